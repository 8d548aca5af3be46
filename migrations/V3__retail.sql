-- The tau2-bench retail demo domain (sierra-research/tau2-bench, MIT): products and their variants, users with
-- payment methods, orders with items, fulfillments and payment history. Empty here: dev.lore.retail.RetailImporter
-- loads a db.json (POST /api/v1/demo/retail/import, or lore.demo.retail.db at start-up).
-- Money is double precision on purpose: the tools reproduce tau2's float arithmetic bit for bit.
-- position columns keep the order of JSON lists (items, payments, fulfillments, a user's orders).

CREATE SCHEMA IF NOT EXISTS retail;

CREATE TABLE retail.product (
    product_id  text PRIMARY KEY,
    name        text NOT NULL
);

CREATE TABLE retail.variant (
    item_id     text PRIMARY KEY,
    product_id  text NOT NULL REFERENCES retail.product (product_id) ON DELETE CASCADE,
    options     jsonb NOT NULL DEFAULT '{}',
    available   boolean NOT NULL,
    price       double precision NOT NULL
);
CREATE INDEX retail_variant_product_idx ON retail.variant (product_id);

CREATE TABLE retail.customer (
    user_id     text PRIMARY KEY,
    first_name  text NOT NULL,
    last_name   text NOT NULL,
    address1    text NOT NULL,
    address2    text NOT NULL,
    city        text NOT NULL,
    state       text NOT NULL,
    country     text NOT NULL,
    zip         text NOT NULL,
    email       text NOT NULL,
    order_ids   text[] NOT NULL DEFAULT '{}'      -- the user's "orders" list, in order
);
CREATE INDEX retail_customer_zip_idx ON retail.customer (zip);
CREATE INDEX retail_customer_email_idx ON retail.customer (lower(email));

-- source: credit_card (brand, last_four) | paypal | gift_card (balance)
CREATE TABLE retail.payment_method (
    user_id     text NOT NULL REFERENCES retail.customer (user_id) ON DELETE CASCADE,
    id          text NOT NULL,
    source      text NOT NULL,
    brand       text,
    last_four   text,
    balance     double precision,
    PRIMARY KEY (user_id, id)
);

CREATE TABLE retail.orders (
    order_id                   text PRIMARY KEY,
    user_id                    text NOT NULL,
    address1                   text NOT NULL,
    address2                   text NOT NULL,
    city                       text NOT NULL,
    state                      text NOT NULL,
    country                    text NOT NULL,
    zip                        text NOT NULL,
    status                     text NOT NULL,
    cancel_reason              text,
    exchange_items             text[],
    exchange_new_items         text[],
    exchange_payment_method_id text,
    exchange_price_difference  double precision,
    return_items               text[],
    return_payment_method_id   text
);
CREATE INDEX retail_orders_user_idx ON retail.orders (user_id);

CREATE TABLE retail.order_item (
    order_id    text NOT NULL REFERENCES retail.orders (order_id) ON DELETE CASCADE,
    position    integer NOT NULL,
    item_id     text NOT NULL,
    product_id  text NOT NULL,
    name        text NOT NULL,
    price       double precision NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (order_id, position)
);

CREATE TABLE retail.fulfillment (
    order_id    text NOT NULL REFERENCES retail.orders (order_id) ON DELETE CASCADE,
    position    integer NOT NULL,
    tracking_id text[] NOT NULL,
    item_ids    text[] NOT NULL,
    PRIMARY KEY (order_id, position)
);

CREATE TABLE retail.payment (
    order_id          text NOT NULL REFERENCES retail.orders (order_id) ON DELETE CASCADE,
    position          integer NOT NULL,
    transaction_type  text NOT NULL,               -- payment | refund
    amount            double precision NOT NULL,
    payment_method_id text NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- The domain's policy (policy.md next to the imported db.json): the retail-support agent's system prompt.
CREATE TABLE retail.meta (
    id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    policy      text,
    source_path text,
    imported_at timestamptz NOT NULL DEFAULT now()
);
