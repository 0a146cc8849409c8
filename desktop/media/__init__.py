"""Media on disk and playback (QtMultimedia only; no widgets). The player wrapper runs on the UI
thread because QMediaPlayer must; file work runs on worker threads."""
