package sqlstore

import (
	"context"
	"database/sql"

	"github.com/coftkit/coft"
)

// SaveOnboarding records an onboarding request: company details replace
// earlier ones; networks not yet asked are added with their status in
// o.Status, and the ones already asked keep theirs. o is then filled with
// the stored state.
func (db *DB) SaveOnboarding(ctx context.Context, o *coft.Onboarding) (err error) {
	defer failed(&err, "SaveOnboarding", o.AssociateID)
	now := db.now()
	c := &o.Company
	return db.inTx(ctx, func(tx *dbTx) error {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE onboardings SET test_mode = ?, legal_name = ?, trade_name = ?,
			website_url = ?, contact_email = ?, business_id_type = ?, business_id_value = ?, updated_at = ?
			WHERE merchant_id = ? AND associate_id = ? AND flow = ?`),
			o.TestMode, c.LegalName, c.TradeName, c.WebsiteURL, c.ContactEmail, c.BusinessIDType, c.BusinessIDValue, now,
			o.MerchantID, o.AssociateID, o.Flow)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO onboardings (merchant_id, associate_id, flow, test_mode,
				legal_name, trade_name, website_url, contact_email, business_id_type, business_id_value, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				o.MerchantID, o.AssociateID, o.Flow, o.TestMode, c.LegalName, c.TradeName, c.WebsiteURL, c.ContactEmail,
				c.BusinessIDType, c.BusinessIDValue, now, now)
			if err != nil {
				return err
			}
		}
		for _, brand := range coft.Networks {
			status, ok := o.Status[brand]
			if !ok {
				continue
			}
			_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO onboarding_networks (merchant_id, associate_id, flow,
				network, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
				o.MerchantID, o.AssociateID, o.Flow, brand, status, now, now)
			if err != nil {
				return err
			}
		}
		stored, err := findOnboarding(ctx, db, tx, o.MerchantID, o.AssociateID, o.Flow)
		if err != nil {
			return err
		}
		*o = *stored
		return nil
	})
}

// FindOnboarding returns ENOTFOUND if the associate was never onboarded for
// the flow.
func (db *DB) FindOnboarding(ctx context.Context, merchantID, associateID, flow string) (_ *coft.Onboarding, err error) {
	defer failed(&err, "FindOnboarding", merchantID, associateID, flow)
	sqlTx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	tx := &dbTx{Tx: sqlTx, db: db, pool: db.r}
	defer tx.end(ctx)
	return findOnboarding(ctx, db, tx, merchantID, associateID, flow)
}

func findOnboarding(ctx context.Context, db *DB, tx *dbTx, merchantID, associateID, flow string) (*coft.Onboarding, error) {
	o := &coft.Onboarding{MerchantID: merchantID, AssociateID: associateID, Flow: flow, Status: map[string]string{}}
	c := &o.Company
	err := tx.QueryRowContext(ctx, db.rebind(`SELECT test_mode, legal_name, trade_name, website_url, contact_email,
		business_id_type, business_id_value, created_at, updated_at FROM onboardings
		WHERE merchant_id = ? AND associate_id = ? AND flow = ?`), merchantID, associateID, flow).Scan(
		&o.TestMode, &c.LegalName, &c.TradeName, &c.WebsiteURL, &c.ContactEmail, &c.BusinessIDType, &c.BusinessIDValue,
		&o.CreatedAt, &o.UpdatedAt)
	if err != nil {
		return nil, mapError(err, "The associate is not onboarded for this flow.", "")
	}
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT network, status, updated_at FROM onboarding_networks
		WHERE merchant_id = ? AND associate_id = ? AND flow = ?`), merchantID, associateID, flow)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var brand, status string
		var updated sql.NullTime
		if err := rows.Scan(&brand, &status, &updated); err != nil {
			return nil, err
		}
		o.Status[brand] = status
		if updated.Time.After(o.UpdatedAt) {
			o.UpdatedAt = updated.Time
		}
	}
	return o, rows.Err()
}

// SetOnboardingStatus records a network's answer. Returns ENOTFOUND if the
// network was never asked.
func (db *DB) SetOnboardingStatus(ctx context.Context, merchantID, associateID, flow, brand, status string) (err error) {
	defer failed(&err, "SetOnboardingStatus", merchantID, associateID, flow, brand, status)
	res, err := db.exec(ctx, `UPDATE onboarding_networks SET status = ?, updated_at = ?
		WHERE merchant_id = ? AND associate_id = ? AND flow = ? AND network = ?`,
		status, db.now(), merchantID, associateID, flow, brand)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coft.FieldError(coft.ENOTFOUND, "network", "%s was never asked to onboard %s for %s.", brand, associateID, flow)
	}
	return nil
}

// OnboardedNetworks returns the networks that onboarded the associate, for
// COFT and for ALT_ID.
func (db *DB) OnboardedNetworks(ctx context.Context, merchantID, associateID string) (cof, alt coft.NetworkSet, err error) {
	defer failed(&err, "OnboardedNetworks", merchantID, associateID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT flow, network FROM onboarding_networks
		WHERE merchant_id = ? AND associate_id = ? AND status = ?`), merchantID, associateID, coft.OnboardingOnboarded)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var flow, brand string
		if err := rows.Scan(&flow, &brand); err != nil {
			return 0, 0, err
		}
		if flow == coft.FlowCOFT {
			cof = cof.With(brand)
		} else {
			alt = alt.With(brand)
		}
	}
	return cof, alt, rows.Err()
}

// ListOnboardings returns a merchant's onboardings, its own and its
// sub-merchants', by associate id then flow; at most limit. Two reads:
// the onboardings (their primary key's order), then their networks'
// statuses within the same associate range.
func (db *DB) ListOnboardings(ctx context.Context, merchantID string, limit int) (_ []*coft.Onboarding, err error) {
	defer failed(&err, "ListOnboardings", merchantID)
	sqlTx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	tx := &dbTx{Tx: sqlTx, db: db, pool: db.r}
	defer tx.end(ctx)
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT associate_id, flow, test_mode, legal_name, trade_name, website_url,
		contact_email, business_id_type, business_id_value, created_at, updated_at FROM onboardings
		WHERE merchant_id = ? ORDER BY associate_id, flow LIMIT ?`), merchantID, limit)
	if err != nil {
		return nil, err
	}
	type key struct{ associate, flow string }
	var out []*coft.Onboarding
	byKey := map[key]*coft.Onboarding{}
	for rows.Next() {
		o := &coft.Onboarding{MerchantID: merchantID, Status: map[string]string{}}
		c := &o.Company
		if err := rows.Scan(&o.AssociateID, &o.Flow, &o.TestMode, &c.LegalName, &c.TradeName, &c.WebsiteURL, &c.ContactEmail,
			&c.BusinessIDType, &c.BusinessIDValue, &o.CreatedAt, &o.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
		byKey[key{o.AssociateID, o.Flow}] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = tx.QueryContext(ctx, db.rebind(`SELECT associate_id, flow, network, status, updated_at FROM onboarding_networks
		WHERE merchant_id = ? AND associate_id >= ? AND associate_id <= ?`),
		merchantID, out[0].AssociateID, out[len(out)-1].AssociateID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var brand, status string
		var updated sql.NullTime
		if err := rows.Scan(&k.associate, &k.flow, &brand, &status, &updated); err != nil {
			return nil, err
		}
		if o := byKey[k]; o != nil {
			o.Status[brand] = status
			if updated.Time.After(o.UpdatedAt) {
				o.UpdatedAt = updated.Time
			}
		}
	}
	return out, rows.Err()
}

// PendingOnboardings returns onboardings, of every merchant, with a network
// still pending, oldest first.
func (db *DB) PendingOnboardings(ctx context.Context, limit int) (_ []*coft.Onboarding, err error) {
	defer failed(&err, "PendingOnboardings")
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT merchant_id, associate_id, flow, MIN(updated_at) FROM onboarding_networks
		WHERE status = ? GROUP BY merchant_id, associate_id, flow ORDER BY 4 LIMIT ?`), coft.OnboardingPending, limit)
	if err != nil {
		return nil, err
	}
	type key struct{ merchant, associate, flow string }
	var keys []key
	for rows.Next() {
		var k key
		var oldest any
		if err := rows.Scan(&k.merchant, &k.associate, &k.flow, &oldest); err != nil {
			rows.Close()
			return nil, err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*coft.Onboarding, 0, len(keys))
	for _, k := range keys {
		o, err := db.FindOnboarding(ctx, k.merchant, k.associate, k.flow)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

var _ coft.OnboardingStore = (*DB)(nil)
