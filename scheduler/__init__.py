"""Time: the escalation ladder, the business calendar, the sweep and the job that beats it."""
