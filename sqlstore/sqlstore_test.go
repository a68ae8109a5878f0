package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// MustOpenDB opens a fresh database of the dialect for a test.
var MustOpenDB = sqltest.MustOpenDB

// dialects runs a test against every store implementation.
func dialects(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, MustOpenDB(t, d))
		})
	}
}

func mustMerchant(t testing.TB, db *sqlstore.DB, id string) *coft.Merchant {
	t.Helper()
	h := sha256.Sum256([]byte("key-" + id))
	m := &coft.Merchant{ID: id, Name: "Shop " + id, APIKeyHash: h[:], ResponseKey: "rk-" + id, TokenizationEnabled: true, HostedConsent: true}
	if err := db.CreateMerchant(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := coft.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestMigrationsMatch(t *testing.T) {
	a, err := sqlstore.MigrationNames(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sqlstore.MigrationNames(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("migration files differ: sqlite %v, postgres %v", a, b)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/re.db"
	db, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	mustMerchant(t, db, "m1")
	db.Close()
	db, err = sqlstore.Open(ctx, "sqlite://"+path) // migrations are not applied twice
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.FindMerchantByID(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
}

func TestMerchants(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		m := mustMerchant(t, db, "acme")
		wantCode(t, db.CreateMerchant(ctx, &coft.Merchant{ID: "acme", APIKeyHash: []byte("other"), ResponseKey: "x"}), coft.ECONFLICT)
		wantCode(t, db.CreateMerchant(ctx, &coft.Merchant{ID: "bad id!", APIKeyHash: []byte("x")}), coft.EINVALID)

		got, err := db.FindMerchantByAPIKeyHash(ctx, m.APIKeyHash)
		if err != nil || got.ID != "acme" || !got.HostedConsent || !got.TokenizationEnabled || got.Name != "Shop acme" {
			t.Fatalf("FindMerchantByAPIKeyHash = %+v, %v", got, err)
		}
		if !got.CreatedAt.Equal(m.CreatedAt) {
			t.Fatalf("created_at = %v, want %v", got.CreatedAt, m.CreatedAt)
		}
		_, err = db.FindMerchantByAPIKeyHash(ctx, []byte("nope"))
		wantCode(t, err, coft.ENOTFOUND)

		got.HostedConsent = false
		got.WebhookURL = "https://shop.example/hooks"
		if err := db.UpdateMerchant(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := db.FindMerchantByID(ctx, "acme")
		if again.HostedConsent || again.WebhookURL != "https://shop.example/hooks" {
			t.Fatalf("update not kept: %+v", again)
		}
		wantCode(t, db.UpdateMerchant(ctx, &coft.Merchant{ID: "ghost", APIKeyHash: []byte("g")}), coft.ENOTFOUND)
		mustMerchant(t, db, "beta")
		all, err := db.ListMerchants(ctx)
		if err != nil || len(all) != 2 || all[0].ID != "acme" || all[1].ID != "beta" {
			t.Fatalf("ListMerchants = %v, %v", all, err)
		}
	})
}

func TestCustomers(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		c := &coft.Customer{MerchantID: "a", ObjectReferenceID: "user-1", EmailAddress: "u@example.com", MobileNumber: "9876543210"}
		if err := db.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.ID, "cst_") {
			t.Fatalf("id = %q", c.ID)
		}
		err := db.CreateCustomer(ctx, &coft.Customer{MerchantID: "a", ObjectReferenceID: "user-1"})
		wantCode(t, err, coft.ECONFLICT)
		if coft.ErrorField(err) != "object_reference_id" {
			t.Fatalf("conflict field = %q", coft.ErrorField(err))
		}
		// The same reference at another merchant is another customer.
		if err := db.CreateCustomer(ctx, &coft.Customer{MerchantID: "b", ObjectReferenceID: "user-1"}); err != nil {
			t.Fatal(err)
		}
		// Customers without a reference do not collide.
		for range 2 {
			if err := db.CreateCustomer(ctx, &coft.Customer{MerchantID: "a"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, key := range []string{c.ID, "user-1"} {
			got, err := db.FindCustomer(ctx, "a", key)
			if err != nil || got.ID != c.ID || got.EmailAddress != "u@example.com" {
				t.Fatalf("FindCustomer(%q) = %+v, %v", key, got, err)
			}
		}
		_, err = db.FindCustomer(ctx, "b", c.ID)
		wantCode(t, err, coft.ENOTFOUND)

		c.FirstName = "Asha"
		if err := db.UpdateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, _ := db.FindCustomer(ctx, "a", c.ID)
		if got.FirstName != "Asha" {
			t.Fatalf("first name = %q", got.FirstName)
		}
		foreign := *c
		foreign.MerchantID = "b"
		wantCode(t, db.UpdateCustomer(ctx, &foreign), coft.ENOTFOUND)
	})
}

func newOrder(merchant, id string) *coft.Order {
	return &coft.Order{MerchantID: merchant, OrderID: id, Amount: 10050, Currency: "INR", Status: coft.StatusNew}
}

func TestOrders(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		o := newOrder("a", "ord1")
		o.UDF[0], o.UDF[9] = "first", "tenth"
		o.Metadata = map[string]string{"note": "gift"}
		o.BillingAddress = map[string]string{"city": "Pune"}
		o.ReturnURL = "https://shop.example/return"
		if err := db.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		err := db.CreateOrder(ctx, newOrder("a", "ord1"))
		wantCode(t, err, coft.ECONFLICT)
		if coft.ErrorField(err) != "order_id" {
			t.Fatalf("field = %q", coft.ErrorField(err))
		}
		if err := db.CreateOrder(ctx, newOrder("b", "ord1")); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindOrder(ctx, "a", "ord1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != o.ID || got.Amount != 10050 || got.UDF[9] != "tenth" || got.Metadata["note"] != "gift" ||
			got.BillingAddress["city"] != "Pune" || got.ReturnURL != o.ReturnURL || !got.CreatedAt.Equal(o.CreatedAt) {
			t.Fatalf("FindOrder = %+v", got)
		}
		_, err = db.FindOrder(ctx, "b", "missing")
		wantCode(t, err, coft.ENOTFOUND)
		if byID, err := db.FindOrderByID(ctx, o.ID); err != nil || byID.OrderID != "ord1" || byID.MerchantID != "a" {
			t.Fatalf("FindOrderByID = %+v, %v", byID, err)
		}
		_, err = db.FindOrderByID(ctx, "ord_none")
		wantCode(t, err, coft.ENOTFOUND)

		upd, err := db.UpdateOrder(ctx, "a", "ord1", func(o *coft.Order) error { o.Amount = 20000; return nil })
		if err != nil || upd.Amount != 20000 {
			t.Fatalf("UpdateOrder = %+v, %v", upd, err)
		}
		boom := coft.Errorf(coft.ECONFLICT, "no")
		if _, err := db.UpdateOrder(ctx, "a", "ord1", func(o *coft.Order) error { o.Amount = 1; return boom }); err != boom {
			t.Fatalf("fn error = %v", err)
		}
		// An update that makes the order invalid is refused and changes nothing.
		_, err = db.UpdateOrder(ctx, "a", "ord1", func(o *coft.Order) error { o.Amount = -5; return nil })
		wantCode(t, err, coft.ERANGE)
		got, _ = db.FindOrder(ctx, "a", "ord1")
		if got.Amount != 20000 {
			t.Fatalf("amount = %v after aborted updates", got.Amount)
		}
		_, err = db.UpdateOrder(ctx, "b", "ord-none", func(*coft.Order) error { return nil })
		wantCode(t, err, coft.ENOTFOUND)
	})
}

func TestOrderCreateRace(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		mustMerchant(t, db, "a")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.CreateOrder(context.Background(), newOrder("a", "same"))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch coft.ErrorCode(err) {
			case "":
				ok++
			case coft.ECONFLICT:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d creations succeeded, want 1", ok)
		}
	})
}

func newCard(merchant, customer, fp string) *coft.Card {
	return &coft.Card{Reference: coft.RandomHex(16), MerchantID: merchant, CustomerID: customer, Fingerprint: fp,
		ISIN: "541919", Last4: "1234", ExpMonth: "06", ExpYear: "2031", Brand: coft.BrandMastercard,
		Type: "DEBIT", Issuer: "HDFC Bank", BankCode: "JP_HDFC", IssuerCountry: "INDIA",
		PANCiphertext: []byte{1, 2, 3}, KeyID: "k1"}
}

func TestCards(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { now = now.Add(time.Second); return now }
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		cust := &coft.Customer{MerchantID: "a"}
		if err := db.CreateCustomer(ctx, cust); err != nil {
			t.Fatal(err)
		}
		c1 := newCard("a", cust.ID, "fp1")
		c2 := newCard("a", cust.ID, "fp2")
		for _, c := range []*coft.Card{c1, c2} {
			if err := db.SaveCard(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		// Saving the same card again updates it in place.
		c1.ExpYear = "2032"
		if err := db.SaveCard(ctx, c1); err != nil {
			t.Fatal(err)
		}
		dup := newCard("a", cust.ID, "fp1")
		wantCode(t, db.SaveCard(ctx, dup), coft.ECONFLICT)

		list, err := db.ListCards(ctx, "a", cust.ID)
		if err != nil || len(list) != 2 || list[0].Reference != c2.Reference || list[1].ExpYear != "2032" {
			t.Fatalf("ListCards = %v, %v", list, err)
		}
		if list[0].Token != nil {
			t.Fatal("untokenized card has a token")
		}
		other, err := db.ListCards(ctx, "b", cust.ID)
		if err != nil || len(other) != 0 {
			t.Fatalf("other merchant sees %d cards, %v", len(other), err)
		}

		tok := &coft.NetworkToken{Reference: coft.RandomHex(16), Last4: "7656", ISIN: "525876", ExpMonth: "06",
			ExpYear: "2030", PAR: "5001ABC", Status: coft.TokenActive, Provider: coft.BrandMastercard, Ciphertext: []byte{9}, KeyID: "k1"}
		if err := db.SaveNetworkToken(ctx, "a", c1.Reference, tok); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.SaveNetworkToken(ctx, "b", c1.Reference, tok), coft.ENOTFOUND)
		got, err := db.FindCard(ctx, "a", c1.Reference)
		if err != nil || got.Token == nil || got.Token.Status != coft.TokenActive || got.Token.PAR != "5001ABC" || got.Token.Last4 != "7656" {
			t.Fatalf("FindCard = %+v, %v", got, err)
		}
		byFP, err := db.FindCardByFingerprint(ctx, "a", cust.ID, "fp1")
		if err != nil || byFP.Reference != c1.Reference {
			t.Fatalf("FindCardByFingerprint = %v, %v", byFP, err)
		}
		_, err = db.FindCard(ctx, "b", c1.Reference)
		wantCode(t, err, coft.ENOTFOUND)

		if err := db.DeleteNetworkToken(ctx, "b", c1.Reference); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindCard(ctx, "a", c1.Reference); got.Token == nil {
			t.Fatal("another merchant removed the token")
		}
		if err := db.DeleteNetworkToken(ctx, "a", c1.Reference); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindCard(ctx, "a", c1.Reference); got.Token != nil {
			t.Fatal("token not removed")
		}
		if err := db.SaveNetworkToken(ctx, "a", c1.Reference, tok); err != nil {
			t.Fatal(err)
		}

		nick, err := db.UpdateCardNickname(ctx, "a", c1.Reference, "Salary card")
		if err != nil || nick.Nickname != "Salary card" {
			t.Fatalf("UpdateCardNickname = %+v, %v", nick, err)
		}
		_, err = db.UpdateCardNickname(ctx, "b", c1.Reference, "x")
		wantCode(t, err, coft.ENOTFOUND)

		wantCode(t, db.DeleteCard(ctx, "b", c1.Reference, nil), coft.ENOTFOUND)
		if err := db.DeleteCard(ctx, "a", c1.Reference, nil); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteCard(ctx, "a", c1.Reference, nil), coft.ENOTFOUND)
		list, _ = db.ListCards(ctx, "a", cust.ID)
		if len(list) != 1 || list[0].Reference != c2.Reference {
			t.Fatalf("after delete: %v", list)
		}
	})
}

func BenchmarkFindOrder(b *testing.B) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := MustOpenDB(b, d)
			mustMerchant(b, db, "a")
			for i := range 1000 {
				if err := db.CreateOrder(context.Background(), newOrder("a", fmt.Sprintf("o%d", i))); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := db.FindOrder(context.Background(), "a", fmt.Sprintf("o%d", i%1000)); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}

func BenchmarkCreateOrder(b *testing.B) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := MustOpenDB(b, d)
			mustMerchant(b, db, "a")
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.CreateOrder(context.Background(), newOrder("a", coft.RandomHex(8))); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestOrderCreateBatches creates many orders at once, some with the same
// order_id: each distinct order is stored once, and only the duplicates fail.
func TestOrderCreateBatches(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		mustMerchant(t, db, "a")
		const n = 200
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.CreateOrder(context.Background(), newOrder("a", fmt.Sprintf("o%d", i%150)))
			}()
		}
		wg.Wait()
		ok, dup := 0, 0
		for _, err := range errs {
			switch coft.ErrorCode(err) {
			case "":
				ok++
			case coft.ECONFLICT:
				dup++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 150 || dup != 50 {
			t.Fatalf("%d created, %d duplicates; want 150 and 50", ok, dup)
		}
		for i := range 150 {
			if _, err := db.FindOrder(context.Background(), "a", fmt.Sprintf("o%d", i)); err != nil {
				t.Fatalf("order o%d: %v", i, err)
			}
		}
	})
}
