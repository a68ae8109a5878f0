-- The console's customers list: newest first, and found by email address
-- (in any case) or mobile number, as well as by id and object_reference_id
-- (already indexed), without reading every customer of the merchant.
CREATE INDEX customers_created ON customers (merchant_id, created_at, id);
CREATE INDEX customers_email ON customers (merchant_id, lower(email_address));
CREATE INDEX customers_mobile ON customers (merchant_id, mobile_number);
