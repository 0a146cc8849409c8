"""The supporter tool: a learner asks someone they trust for feedback on one exercise by e-mail;
the supporter answers on a page reached by an unguessable link."""
