package sqlstore

import (
	"context"
	"database/sql"
	"strings"

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
	return scanCustomer(row)
}

// scanCustomer reads a row of customerColumns.
func scanCustomer(row interface{ Scan(...any) error }) (*coft.Customer, error) {
	var c coft.Customer
	var ref sql.NullString
	err := row.Scan(&c.ID, &c.MerchantID, &ref, &c.MobileNumber, &c.MobileCountryCode,
		&c.EmailAddress, &c.FirstName, &c.LastName, &c.Implicit, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, mapError(err, "Customer not found.", "")
	}
	c.ObjectReferenceID = ref.String
	return &c, nil
}

// ListCustomers returns a merchant's customers that match the filter,
// newest first. Every term of a search has an index (the id, and the
// merchant's object_reference_id, lower-cased email and mobile number),
// and the unfiltered list has (merchant_id, created_at, id): a page reads
// about f.Limit rows whatever the merchant's number of customers.
func (db *DB) ListCustomers(ctx context.Context, f coft.CustomerFilter) (_ []*coft.Customer, err error) {
	defer failed(&err, "ListCustomers", f.MerchantID)
	q, args := customerQuery(f)
	rows, err := db.r.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []*coft.Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// customerQuery is ListCustomers' query and its arguments.
func customerQuery(f coft.CustomerFilter) (string, []any) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := `SELECT ` + customerColumns + ` FROM customers WHERE merchant_id = ?`
	args := []any{f.MerchantID}
	if search := strings.TrimSpace(f.Search); search != "" {
		// One select per term, each through its own index: asked as one
		// OR, the planner may rather walk the merchant's customers in the
		// list's order, all of them when few match. Email addresses are
		// ASCII (coft.ValidateEmail): lower-casing here and in the index's
		// lower() agree.
		terms := []string{`id = ?`, `object_reference_id = ?`, `lower(email_address) = ?`}
		args = []any{f.MerchantID, search, f.MerchantID, search, f.MerchantID, strings.ToLower(search)}
		if m := f.MobileCandidates(); m != nil {
			terms = append(terms, `mobile_number IN (?`+strings.Repeat(`, ?`, len(m)-1)+`)`)
			args = append(args, f.MerchantID)
			for _, n := range m {
				args = append(args, n)
			}
		}
		for i, term := range terms {
			terms[i] = `SELECT id FROM customers WHERE merchant_id = ? AND ` + term
		}
		q = `SELECT ` + customerColumns + ` FROM customers WHERE id IN (` + strings.Join(terms, ` UNION `) + `)`
	}
	if f.Before != nil {
		// A row value, so that the index on (merchant_id, created_at, id)
		// starts the page where the last one ended.
		q += ` AND (created_at, id) < (?, ?)`
		args = append(args, f.Before.CreatedAt.UTC(), f.Before.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, f.Limit)
	return q, args
}

// nullString stores "" as NULL, so that UNIQUE ignores absent values.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

var _ coft.CustomerStore = (*DB)(nil)
