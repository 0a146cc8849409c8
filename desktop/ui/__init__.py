"""Qt widgets. Everything here runs on the Qt UI thread; slow work goes through tasks.TaskRunner."""
