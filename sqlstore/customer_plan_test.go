package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/coftkit/coft"
)

// TestListCustomersPlan: on SQLite, every way of listing customers reads
// through an index that starts with the merchant, never the whole table.
func TestListCustomersPlan(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, t.TempDir()+"/plan.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := &coft.Customer{ID: "cst_x"}
	for _, f := range []coft.CustomerFilter{
		{MerchantID: "m"},
		{MerchantID: "m", Before: before},
		{MerchantID: "m", Search: "a@b.in"},
		{MerchantID: "m", Search: "+91 98765 43210", Before: before},
		{MerchantID: "m", Search: "cst_123"},
	} {
		q, args := customerQuery(f)
		rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN ") && !strings.Contains(d, "INDEX") {
				t.Errorf("search %q reads the whole table: %s", f.Search, all)
			}
		}
		if !strings.Contains(all, "INDEX") {
			t.Errorf("search %q uses no index: %s", f.Search, all)
		}
		if f.Search == "" && f.Before != nil && !strings.Contains(all, "created_at") {
			t.Errorf("a later page does not start where the last ended: %s", all)
		}
	}
}
