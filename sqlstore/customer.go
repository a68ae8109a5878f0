package sqlstore

import (
	"context"
	"database/sql"

	"github.com/coftkit/coft"
)

const customerColumns = `id, merchant_id, object_reference_id, mobile_number, mobile_country_code,
	email_address, first_name, last_name, implicit, created_at, updated_at`

// CreateCustomer stores a new customer, assigning its id. Returns ECONFLICT
// if the merchant has a customer with the same object_reference_id.
func (db *DB) CreateCustomer(ctx context.Context, c *coft.Customer) (err error) {
	defer failed(&err, "CreateCustomer", c.ObjectReferenceID)
	if err := c.Validate(); err != nil {
		return err
	}
	c.ID = coft.NewID("cst_")
	c.CreatedAt = db.now()
	c.UpdatedAt = c.CreatedAt
	_, err = db.exec(ctx, `INSERT INTO customers (`+customerColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.MerchantID, nullString(c.ObjectReferenceID), c.MobileNumber, c.MobileCountryCode,
		c.EmailAddress, c.FirstName, c.LastName, c.Implicit, c.CreatedAt, c.UpdatedAt)
	return mapError(err, "", "object_reference_id")
}

// UpdateCustomer replaces the customer's fields.
func (db *DB) UpdateCustomer(ctx context.Context, c *coft.Customer) (err error) {
	defer failed(&err, "UpdateCustomer", c.ObjectReferenceID)
	if err := c.Validate(); err != nil {
		return err
	}
	c.UpdatedAt = db.now()
	res, err := db.exec(ctx, `UPDATE customers SET object_reference_id = ?, mobile_number = ?,
		mobile_country_code = ?, email_address = ?, first_name = ?, last_name = ?, updated_at = ?
		WHERE merchant_id = ? AND id = ?`,
		nullString(c.ObjectReferenceID), c.MobileNumber, c.MobileCountryCode, c.EmailAddress,
		c.FirstName, c.LastName, c.UpdatedAt, c.MerchantID, c.ID)
	if err != nil {
		return mapError(err, "", "object_reference_id")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coft.FieldError(coft.ENOTFOUND, "customer_id", "Customer not found.")
	}
	return nil
}

// FindCustomer finds a customer by id (cst_…) or object_reference_id.
func (db *DB) FindCustomer(ctx context.Context, merchantID, idOrReference string) (_ *coft.Customer, err error) {
	defer failed(&err, "FindCustomer", merchantID, idOrReference)
	row := db.r.QueryRowContext(ctx, db.rebind(`SELECT `+customerColumns+` FROM customers
		WHERE merchant_id = ? AND (id = ? OR object_reference_id = ?)
		ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1`),
		merchantID, idOrReference, idOrReference, idOrReference)
	var c coft.Customer
	var ref sql.NullString
	err = row.Scan(&c.ID, &c.MerchantID, &ref, &c.MobileNumber, &c.MobileCountryCode,
		&c.EmailAddress, &c.FirstName, &c.LastName, &c.Implicit, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, mapError(err, "Customer not found.", "")
	}
	c.ObjectReferenceID = ref.String
	return &c, nil
}

// nullString stores "" as NULL, so that UNIQUE ignores absent values.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

var _ coft.CustomerStore = (*DB)(nil)
