"""Lesson progress of each learner, written by the progress.update mutation."""
