-- Types and tables in a schema of their own: the functions of the next files use them.
CREATE SCHEMA IF NOT EXISTS billing;

CREATE TYPE billing.invoice_status AS ENUM ('draft', 'sent', 'paid', 'void');

CREATE TABLE billing.invoice (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id uuid NOT NULL,
  status billing.invoice_status NOT NULL DEFAULT 'draft',
  total numeric(12, 2) NOT NULL DEFAULT 0,
  issued_at timestamptz
);

CREATE TABLE billing.line_item (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id bigint NOT NULL REFERENCES billing.invoice (id) ON DELETE CASCADE,
  amount numeric(12, 2) NOT NULL
);
CREATE INDEX line_item_invoice_id_idx ON billing.line_item (invoice_id);
