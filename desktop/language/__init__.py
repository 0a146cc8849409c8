"""The learner's language: the one translation catalogue (gettext, built with Babel), which
language the system or the settings ask for, and dates, numbers and sizes in the locale."""
