-- Which worker finished each job, for operators (and to show work was shared).
ALTER TABLE outbox ADD COLUMN done_by TEXT;
-- What the sync decided for an audit entry (a conflict's part, policy, side).
ALTER TABLE audit ADD COLUMN detail TEXT;
-- What Odoo held when the order was last compared (SHA-256), so that a
-- pass skips orders Odoo has not changed.
ALTER TABLE sync_state ADD COLUMN odoo_hash TEXT;
-- The unit of measure of a line, when not the product's purchase unit.
ALTER TABLE order_lines ADD COLUMN uom TEXT;
