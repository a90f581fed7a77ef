-- The application's purchase orders and lines, as the application sees them.
CREATE TABLE orders (
    uuid TEXT PRIMARY KEY,
    supplier_ref TEXT NOT NULL,
    currency TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE order_lines (
    order_uuid TEXT NOT NULL REFERENCES orders (uuid) ON DELETE CASCADE,
    line_no BIGINT NOT NULL,
    product_code TEXT NOT NULL,
    quantity DOUBLE PRECISION NOT NULL,
    price_unit DOUBLE PRECISION NOT NULL,
    date_planned TEXT,
    PRIMARY KEY (order_uuid, line_no)
);
-- Per order: where it stands with Odoo.
CREATE TABLE sync_state (
    order_uuid TEXT PRIMARY KEY REFERENCES orders (uuid) ON DELETE CASCADE,
    odoo_id BIGINT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    error_class TEXT,
    snapshot TEXT,
    snapshot_hash TEXT,
    odoo_write_date TEXT,
    odoo_state TEXT,
    updated_at BIGINT NOT NULL
);
-- Jobs to Odoo, written in the same transaction as the change they carry.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    order_uuid TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    done_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (order_uuid, id) WHERE done_at IS NULL;
CREATE TABLE conflicts (
    id BIGSERIAL PRIMARY KEY,
    order_uuid TEXT NOT NULL,
    field TEXT NOT NULL,
    base TEXT,
    app TEXT,
    odoo TEXT,
    policy TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolution TEXT
);
-- Every change applied on either side, with where it came from.
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    order_uuid TEXT,
    origin TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT,
    at BIGINT NOT NULL
);
-- Polling cursors: (write_date, id) keysets.
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    write_date TEXT NOT NULL,
    last_id BIGINT NOT NULL
);
