package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestListCustomers: a merchant's customers newest first (ties by id), a
// page at a time, found exactly by id, reference, email in any case or
// mobile number with or without its country code; never another
// merchant's.
func TestListCustomers(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "m")
		mustMerchant(t, db, "other")
		at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return at }
		made := map[string]*coft.Customer{} // by reference
		for i, c := range []coft.Customer{
			{ObjectReferenceID: "ref-1", EmailAddress: "Asha.Rao@Example.com", MobileNumber: "9876543210", MobileCountryCode: "91"},
			{ObjectReferenceID: "ref-2", EmailAddress: "ben@example.com", MobileNumber: "9876500000"},
			{ObjectReferenceID: "ref-3"},
			{ObjectReferenceID: "ref-4", EmailAddress: "asha.rao@example.com"},
			{ObjectReferenceID: "ref-5", MobileNumber: "9876543210"},
		} {
			if i != 2 { // two customers created at the same time: ordered by id
				at = at.Add(time.Minute)
			}
			c.MerchantID = "m"
			if err := db.CreateCustomer(ctx, &c); err != nil {
				t.Fatal(err)
			}
			made[c.ObjectReferenceID] = &c
		}
		// newest first: the order every list must keep.
		newest := func(refs ...string) []string {
			var cs []*coft.Customer
			for _, r := range refs {
				cs = append(cs, made[r])
			}
			slices.SortFunc(cs, func(a, b *coft.Customer) int {
				if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
					return c
				}
				return strings.Compare(b.ID, a.ID)
			})
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return ids
		}
		ids := newest("ref-1", "ref-2", "ref-3", "ref-4", "ref-5")
		theirs := &coft.Customer{MerchantID: "other", ObjectReferenceID: "ref-1", EmailAddress: "asha.rao@example.com", MobileNumber: "9876543210"}
		if err := db.CreateCustomer(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		list := func(f coft.CustomerFilter) []string {
			t.Helper()
			f.MerchantID = "m"
			cs, err := db.ListCustomers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				if c.MerchantID != "m" {
					t.Fatalf("another merchant's customer %s", c.ID)
				}
				got = append(got, c.ID)
			}
			return got
		}
		if got := list(coft.CustomerFilter{}); !slices.Equal(got, ids) {
			t.Fatalf("all: %v, want %v", got, ids)
		}
		// Pages of two, each after the last of the one before.
		var paged []string
		var before *coft.Customer
		for range 4 {
			page := list(coft.CustomerFilter{Limit: 2, Before: before})
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			var err error
			if before, err = db.FindCustomer(ctx, "m", page[len(page)-1]); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(paged, ids) {
			t.Fatalf("paged: %v, want %v", paged, ids)
		}
		for search, want := range map[string][]string{
			made["ref-4"].ID:       {made["ref-4"].ID},
			"ref-2":                newest("ref-2"),
			"ASHA.RAO@example.COM": newest("ref-1", "ref-4"),
			"9876543210":           newest("ref-1", "ref-5"),
			"+91 98765 43210":      newest("ref-1", "ref-5"),
			"98765-00000":          newest("ref-2"),
			"nobody":               nil,
			theirs.ID:              nil,
		} {
			if got := list(coft.CustomerFilter{Search: search}); !slices.Equal(got, want) {
				t.Errorf("search %q: %v, want %v", search, got, want)
			}
		}
	})
}

// BenchmarkListCustomers: the console's customers list and its searches
// over one merchant's 1,000,000 customers (SQLite), each a page of 51.
func BenchmarkListCustomers(b *testing.B) {
	ctx := context.Background()
	db := MustOpenDB(b, sqlstore.SQLite)
	mustMerchant(b, db, "m")
	mustMerchant(b, db, "other")
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	const n = 1_000_000
	if _, err := db.RawExec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO customers (id, merchant_id, object_reference_id, mobile_number, mobile_country_code, email_address,
			first_name, last_name, implicit, created_at, updated_at)
		SELECT printf('cst_%032d', i), CASE WHEN i % 10 = 0 THEN 'other' ELSE 'm' END, 'ref-' || i,
			printf('9%09d', i), '91', 'user' || i || '@example.com', '', '', 0, ?, ? FROM n`, n, at, at); err != nil {
		b.Fatal(err)
	}
	middle, err := db.FindCustomer(ctx, "m", "ref-500001")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    coft.CustomerFilter
		want int
	}{
		{"first page", coft.CustomerFilter{}, 51},
		{"a page in the middle", coft.CustomerFilter{Before: middle}, 51},
		{"by email", coft.CustomerFilter{Search: "USER777777@example.com"}, 1},
		{"by mobile", coft.CustomerFilter{Search: "+91 9000777777"}, 1},
		{"by reference", coft.CustomerFilter{Search: "ref-123457"}, 1},
		{"by id", coft.CustomerFilter{Search: "cst_00000000000000000000000000123457"}, 1},
		{"no match", coft.CustomerFilter{Search: "nobody@example.com"}, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.f.MerchantID, c.f.Limit = "m", 51
			for b.Loop() {
				cs, err := db.ListCustomers(ctx, c.f)
				if err != nil || len(cs) != c.want {
					b.Fatalf("%d customers, %v", len(cs), err)
				}
			}
		})
	}
}
