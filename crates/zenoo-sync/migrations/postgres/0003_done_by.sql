-- Which worker finished each job, for operators (and to show work was shared).
ALTER TABLE outbox ADD COLUMN done_by TEXT;
