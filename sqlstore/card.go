package sqlstore

import (
	"context"
	"database/sql"

	"github.com/coftkit/coft"
)

const cardColumns = `c.reference, c.merchant_id, c.customer_id, c.fingerprint, c.isin, c.last4,
	c.exp_month, c.exp_year, c.name_on_card, c.nickname, c.brand, c.card_type, c.sub_type, c.issuer,
	c.bank_code, c.issuer_country, c.issuer_tokenizes, c.pan_ciphertext, c.key_id, c.created_at, c.updated_at,
	t.reference, t.last4, t.isin, t.exp_month, t.exp_year, t.par, t.status, t.provider,
	t.ciphertext, t.key_id, t.created_at, t.updated_at`

const cardFrom = ` FROM cards c LEFT JOIN network_tokens t ON t.card_reference = c.reference`

// SaveCard stores a card for a customer under c.Reference, which the caller
// assigns before sealing the number (the locker binds the ciphertext to the
// reference). If the customer already has the card under the same
// reference it is updated in place; under another reference, ECONFLICT.
func (db *DB) SaveCard(ctx context.Context, c *coft.Card) (err error) {
	defer failed(&err, "SaveCard", c.Reference)
	if c.Reference == "" {
		return coft.Errorf(coft.EINTERNAL, "SaveCard: card has no reference")
	}
	return db.inTx(ctx, func(tx *dbTx) error { return db.saveCard(ctx, tx, c) })
}

func (db *DB) saveCard(ctx context.Context, tx *dbTx, c *coft.Card) error {
	now := db.now()
	pan := c.PANCiphertext
	if pan == nil { // a tokenized card keeps no number: stored as empty
		pan = []byte{}
	}
	var ref string
	var created any
	err := tx.QueryRowContext(ctx, db.rebind(`SELECT reference, created_at FROM cards
		WHERE merchant_id = ? AND customer_id = ? AND fingerprint = ?`+db.forUpdate()),
		c.MerchantID, c.CustomerID, c.Fingerprint).Scan(&ref, &created)
	switch {
	case err == sql.ErrNoRows:
		c.CreatedAt, c.UpdatedAt = now, now
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO cards (reference, merchant_id, customer_id,
			fingerprint, isin, last4, exp_month, exp_year, name_on_card, nickname, brand, card_type,
			sub_type, issuer, bank_code, issuer_country, issuer_tokenizes, pan_ciphertext, key_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			c.Reference, c.MerchantID, c.CustomerID, c.Fingerprint, c.ISIN, c.Last4, c.ExpMonth,
			c.ExpYear, c.NameOnCard, c.Nickname, c.Brand, c.Type, c.SubType, c.Issuer, c.BankCode,
			c.IssuerCountry, c.IssuerTokenizes, pan, c.KeyID, c.CreatedAt, c.UpdatedAt)
		return mapError(err, "", "card_reference")
	case err != nil:
		return err
	case ref != c.Reference:
		return coft.FieldError(coft.ECONFLICT, "card_reference", "The customer already has this card saved as %s.", ref)
	}
	c.UpdatedAt = now
	_, err = tx.ExecContext(ctx, db.rebind(`UPDATE cards SET exp_month = ?, exp_year = ?, name_on_card = ?,
		brand = ?, card_type = ?, sub_type = ?, issuer = ?, bank_code = ?, issuer_country = ?,
		issuer_tokenizes = ?, pan_ciphertext = ?, key_id = ?, updated_at = ? WHERE reference = ?`),
		c.ExpMonth, c.ExpYear, c.NameOnCard, c.Brand, c.Type, c.SubType, c.Issuer, c.BankCode,
		c.IssuerCountry, c.IssuerTokenizes, pan, c.KeyID, c.UpdatedAt, c.Reference)
	return err
}

// FindCardByFingerprint returns the customer's card with the fingerprint,
// or ENOTFOUND.
func (db *DB) FindCardByFingerprint(ctx context.Context, merchantID, customerID, fingerprint string) (_ *coft.Card, err error) {
	defer failed(&err, "FindCardByFingerprint", merchantID, customerID, fingerprint)
	row := db.queryRow(ctx, `SELECT `+cardColumns+cardFrom+`
		WHERE c.merchant_id = ? AND c.customer_id = ? AND c.fingerprint = ?`, merchantID, customerID, fingerprint)
	return scanCard(row)
}

// SaveNetworkToken stores or replaces the network token of a card.
// Returns ENOTFOUND if the merchant has no such card.
func (db *DB) SaveNetworkToken(ctx context.Context, merchantID, cardReference string, t *coft.NetworkToken) (err error) {
	defer failed(&err, "SaveNetworkToken", merchantID, cardReference)
	return db.inTx(ctx, func(tx *dbTx) error { return db.saveNetworkToken(ctx, tx, merchantID, cardReference, t) })
}

func (db *DB) saveNetworkToken(ctx context.Context, tx *dbTx, merchantID, cardReference string, t *coft.NetworkToken) error {
	now := db.now()
	var customerID string
	var was sql.NullString // the card's token's status before
	err := tx.QueryRowContext(ctx, db.rebind(`SELECT c.customer_id, t.status FROM cards c
		LEFT JOIN network_tokens t ON t.card_reference = c.reference
		WHERE c.merchant_id = ? AND c.reference = ?`), merchantID, cardReference).Scan(&customerID, &was)
	if err == sql.ErrNoRows {
		return coft.FieldError(coft.ENOTFOUND, "card_reference", "Card not found.")
	} else if err != nil {
		return err
	}
	if t.Status == coft.TokenActive && (!was.Valid || was.String == coft.TokenInitiated) {
		c := &coft.Card{MerchantID: merchantID, CustomerID: customerID, Reference: cardReference}
		if err := db.tokenEvent(ctx, tx, coft.EventTokenCreated, c, t); err != nil {
			return err
		}
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	t.UpdatedAt = now
	_, err = tx.ExecContext(ctx, db.rebind(`DELETE FROM network_tokens WHERE card_reference = ?`), cardReference)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO network_tokens (card_reference, reference, last4, isin,
		exp_month, exp_year, par, status, provider, ciphertext, key_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		cardReference, t.Reference, t.Last4, t.ISIN, t.ExpMonth, t.ExpYear, t.PAR, t.Status,
		t.Provider, t.Ciphertext, t.KeyID, t.CreatedAt, t.UpdatedAt)
	return mapError(err, "", "token.card_reference")
}

// DeleteNetworkToken removes a card's network token, if it has one.
func (db *DB) DeleteNetworkToken(ctx context.Context, merchantID, cardReference string) (err error) {
	defer failed(&err, "DeleteNetworkToken", merchantID, cardReference)
	return db.inTx(ctx, func(tx *dbTx) error { return db.deleteNetworkToken(ctx, tx, merchantID, cardReference) })
}

func (db *DB) deleteNetworkToken(ctx context.Context, tx *dbTx, merchantID, cardReference string) error {
	if err := db.tokenDeleted(ctx, tx, merchantID, cardReference); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM network_tokens WHERE card_reference IN
		(SELECT reference FROM cards WHERE merchant_id = ? AND reference = ?)`), merchantID, cardReference)
	return err
}

// tokenDeleted adds a TOKEN_DELETED event when the card has a token the
// merchant was told about (one past INITIATED).
func (db *DB) tokenDeleted(ctx context.Context, tx *dbTx, merchantID, cardReference string) error {
	c, err := scanCard(tx.QueryRowContext(ctx, db.rebind(`SELECT `+cardColumns+cardFrom+`
		WHERE c.merchant_id = ? AND c.reference = ?`), merchantID, cardReference))
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if c.Token == nil || c.Token.Status == coft.TokenInitiated {
		return nil
	}
	return db.tokenEvent(ctx, tx, coft.EventTokenDeleted, c, c.Token)
}

// ListCards returns the customer's cards, newest first.
func (db *DB) ListCards(ctx context.Context, merchantID, customerID string) (_ []*coft.Card, err error) {
	defer failed(&err, "ListCards", merchantID, customerID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT `+cardColumns+cardFrom+`
		WHERE c.merchant_id = ? AND c.customer_id = ? ORDER BY c.created_at DESC, c.reference`), merchantID, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cards := []*coft.Card{}
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, err
		}
		cards = append(cards, c)
	}
	return cards, rows.Err()
}

// FindCard returns ENOTFOUND if the merchant has no card with the reference.
func (db *DB) FindCard(ctx context.Context, merchantID, reference string) (_ *coft.Card, err error) {
	defer failed(&err, "FindCard", merchantID, reference)
	row := db.queryRow(ctx, `SELECT `+cardColumns+cardFrom+`
		WHERE c.merchant_id = ? AND c.reference = ?`, merchantID, reference)
	return scanCard(row)
}

// UpdateCardNickname returns ENOTFOUND if the merchant has no such card.
func (db *DB) UpdateCardNickname(ctx context.Context, merchantID, reference, nickname string) (_ *coft.Card, err error) {
	defer failed(&err, "UpdateCardNickname", merchantID, reference, nickname)
	res, err := db.exec(ctx, `UPDATE cards SET nickname = ?, updated_at = ?
		WHERE merchant_id = ? AND reference = ?`, nickname, db.now(), merchantID, reference)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, coft.FieldError(coft.ENOTFOUND, "card_reference", "Card not found.")
	}
	return db.FindCard(ctx, merchantID, reference)
}

// DeleteCard removes a card and its token from the locker, recording w
// (when not nil) as the customer's withdrawal of consent.
// Returns ENOTFOUND if the merchant has no such card.
func (db *DB) DeleteCard(ctx context.Context, merchantID, reference string, w *coft.Withdrawal) (err error) {
	defer failed(&err, "DeleteCard", merchantID, reference)
	return db.inTx(ctx, func(tx *dbTx) error { return db.deleteCard(ctx, tx, merchantID, reference, w) })
}

func (db *DB) deleteCard(ctx context.Context, tx *dbTx, merchantID, reference string, w *coft.Withdrawal) error {
	if w != nil {
		c, err := scanCard(tx.QueryRowContext(ctx, db.rebind(`SELECT `+cardColumns+cardFrom+`
			WHERE c.merchant_id = ? AND c.reference = ?`), merchantID, reference))
		if err != nil {
			return coft.FieldError(coft.ENOTFOUND, "card_reference", "Card not found.")
		}
		w.ID, w.MerchantID, w.CustomerID, w.CardReference, w.Fingerprint, w.At =
			coft.NewID("wdr_"), merchantID, c.CustomerID, c.Reference, c.Fingerprint, db.now()
		if c.Token != nil {
			w.TokenReference = c.Token.Reference
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO withdrawals (id, merchant_id, customer_id,
			card_reference, token_reference, fingerprint, channel, client_ip, user_agent, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), w.ID, w.MerchantID, w.CustomerID, w.CardReference,
			w.TokenReference, w.Fingerprint, w.Channel, w.ClientIP, w.UserAgent, w.At); err != nil {
			return err
		}
		tx.appendLedger(withdrawalRecord(w))
	}
	if err := db.tokenDeleted(ctx, tx, merchantID, reference); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM network_tokens WHERE card_reference IN
		(SELECT reference FROM cards WHERE merchant_id = ? AND reference = ?)`), merchantID, reference); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM cards WHERE merchant_id = ? AND reference = ?`), merchantID, reference)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coft.FieldError(coft.ENOTFOUND, "card_reference", "Card not found.")
	}
	return nil
}

func scanCard(s scanner) (*coft.Card, error) {
	var c coft.Card
	var t struct {
		ref, last4, isin, expMonth, expYear, par, status, provider, keyID sql.NullString
		ciphertext                                                        []byte
		created, updated                                                  sql.NullTime
	}
	err := s.Scan(&c.Reference, &c.MerchantID, &c.CustomerID, &c.Fingerprint, &c.ISIN, &c.Last4,
		&c.ExpMonth, &c.ExpYear, &c.NameOnCard, &c.Nickname, &c.Brand, &c.Type, &c.SubType, &c.Issuer,
		&c.BankCode, &c.IssuerCountry, &c.IssuerTokenizes, &c.PANCiphertext, &c.KeyID, &c.CreatedAt, &c.UpdatedAt,
		&t.ref, &t.last4, &t.isin, &t.expMonth, &t.expYear, &t.par, &t.status, &t.provider,
		&t.ciphertext, &t.keyID, &t.created, &t.updated)
	if err != nil {
		return nil, mapError(err, "Card not found.", "")
	}
	if t.ref.Valid {
		c.Token = &coft.NetworkToken{Reference: t.ref.String, Last4: t.last4.String, ISIN: t.isin.String,
			ExpMonth: t.expMonth.String, ExpYear: t.expYear.String, PAR: t.par.String, Status: t.status.String,
			Provider: t.provider.String, Ciphertext: t.ciphertext, KeyID: t.keyID.String,
			CreatedAt: t.created.Time, UpdatedAt: t.updated.Time}
	}
	return &c, nil
}

var _ coft.CardStore = (*DB)(nil)

// FindCardByTokenReference returns the card holding the network token, or
// ENOTFOUND.
func (db *DB) FindCardByTokenReference(ctx context.Context, merchantID, tokenReference string) (_ *coft.Card, err error) {
	defer failed(&err, "FindCardByTokenReference", merchantID, tokenReference)
	row := db.queryRow(ctx, `SELECT `+cardColumns+cardFrom+`
		WHERE c.merchant_id = ? AND t.reference = ?`, merchantID, tokenReference)
	c, err := scanCard(row)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, coft.FieldError(coft.ENOTFOUND, "token_reference", "Token not found.")
	}
	return c, err
}

// UpdateNetworkToken applies fn to a token and writes it back, in one
// transaction. Returns ENOTFOUND if the merchant has no such token.
func (db *DB) UpdateNetworkToken(ctx context.Context, merchantID, tokenReference string,
	fn func(*coft.Card, *coft.NetworkToken) error) (_ *coft.Card, err error) {
	defer failed(&err, "UpdateNetworkToken", merchantID, tokenReference)
	var card *coft.Card
	err = db.inTx(ctx, func(tx *dbTx) error {
		c, err := scanCard(tx.QueryRowContext(ctx, db.rebind(`SELECT `+cardColumns+cardFrom+`
			WHERE c.merchant_id = ? AND t.reference = ?`+db.forUpdate()), merchantID, tokenReference))
		if coft.ErrorCode(err) == coft.ENOTFOUND {
			return coft.FieldError(coft.ENOTFOUND, "token_reference", "Token not found.")
		} else if err != nil {
			return err
		}
		t := c.Token
		before := *t
		if err := fn(c, t); err != nil {
			return err
		}
		name := coft.EventTokenUpdated
		if t.Status != before.Status {
			name = coft.EventTokenStatusUpdated
		}
		if err := db.tokenEvent(ctx, tx, name, c, t); err != nil {
			return err
		}
		t.Reference = tokenReference // the key does not change
		t.UpdatedAt = db.now()
		_, err = tx.ExecContext(ctx, db.rebind(`UPDATE network_tokens SET last4 = ?, isin = ?, exp_month = ?, exp_year = ?,
			par = ?, status = ?, ciphertext = ?, key_id = ?, updated_at = ? WHERE reference = ?`),
			t.Last4, t.ISIN, t.ExpMonth, t.ExpYear, t.PAR, t.Status, t.Ciphertext, t.KeyID, t.UpdatedAt, tokenReference)
		card = c
		return err
	})
	return card, err
}

// ListWithdrawals returns a customer's withdrawals, oldest first.
func (db *DB) ListWithdrawals(ctx context.Context, merchantID, customerID string) (_ []*coft.Withdrawal, err error) {
	defer failed(&err, "ListWithdrawals", merchantID, customerID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT `+withdrawalColumns+` FROM withdrawals
		WHERE merchant_id = ? AND customer_id = ? ORDER BY at, id`), merchantID, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*coft.Withdrawal{}
	for rows.Next() {
		w, err := scanWithdrawal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

const withdrawalColumns = `id, merchant_id, customer_id, card_reference, token_reference, fingerprint, channel,
	client_ip, user_agent, at`

func scanWithdrawal(s scanner) (*coft.Withdrawal, error) {
	var w coft.Withdrawal
	if err := s.Scan(&w.ID, &w.MerchantID, &w.CustomerID, &w.CardReference, &w.TokenReference,
		&w.Fingerprint, &w.Channel, &w.ClientIP, &w.UserAgent, &w.At); err != nil {
		return nil, err
	}
	return &w, nil
}
