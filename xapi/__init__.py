"""xAPI statements, LRS access and credential award for microquest."""
