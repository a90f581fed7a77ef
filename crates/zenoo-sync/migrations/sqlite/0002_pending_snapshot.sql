-- Odoo's version of an order in conflict, kept until the choice.
ALTER TABLE sync_state ADD COLUMN pending_snapshot TEXT;
