-- Order options (the API text's optional order fields, refunds in part):
--   * `customer_email`: the shopper's e-mail, trimmed and lower-cased, so an
--     admin can find a shopper's orders (indexed);
--   * `customer`: the other customer fields of the checkout as JSON (name,
--     phone, real_name, english_name, phone_country_code, sn_type, sn,
--     address, zipcode, birthday), without the id and the e-mail;
--   * `echo`: the merchant's `echo` strings as a JSON array (MYPAY's
--     echo_0 … echo_4);
--   * `refunded_amount`: what partial refunds have returned so far (a full
--     refund turns the order `refunded`; this counts the parts before it).
ALTER TABLE orders ADD COLUMN customer_email TEXT;
ALTER TABLE orders ADD COLUMN customer TEXT;
ALTER TABLE orders ADD COLUMN echo TEXT;
ALTER TABLE orders ADD COLUMN refunded_amount INTEGER NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0);
CREATE INDEX orders_by_customer_email ON orders (customer_email, created_at) WHERE customer_email IS NOT NULL;
