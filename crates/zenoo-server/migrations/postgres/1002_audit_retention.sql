-- Old request audit entries are deleted by age (`audit_retention_days`).
CREATE INDEX request_audit_at ON request_audit (at);
