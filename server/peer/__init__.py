"""Peer feedback: submissions shared with consent, reviewers allocated within the course, and
the feedback and ratings between them."""
