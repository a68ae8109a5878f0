package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// BenchmarkRecordConsent: consent decisions on the hosted page, 16 at a
// time (SQLite commits them in groups), each with its evidence, its
// ledger entry and its counts.
func BenchmarkRecordConsent(b *testing.B) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			db := MustOpenDB(b, d)
			mustMerchant(b, db, "a")
			txns := make([]*coft.Txn, b.N)
			for i := range txns {
				id := coft.RandomHex(8)
				if err := db.CreateOrder(ctx, newOrder("a", id)); err != nil {
					b.Fatal(err)
				}
				var err error
				if txns[i], _, err = db.StartTxn(ctx, newTxn("a", id, "fp"+id), time.Now(), nil); err != nil {
					b.Fatal(err)
				}
			}
			shown := time.Now().Add(-4 * time.Second)
			b.ResetTimer()
			var wg sync.WaitGroup
			sem := make(chan struct{}, 16)
			for i, t := range txns {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					if _, err := db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: t.UUID, Decision: i%3 != 0,
						TextID: "tokenize-en-v1", Locale: "en", Channel: coft.ChannelHostedPage, ShownAt: shown.Add(time.Duration(i%40) * 250 * time.Millisecond)}); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
		})
	}
}
