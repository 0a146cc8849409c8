"""Courses, lessons, exercises and their media files; also the demo academy."""
