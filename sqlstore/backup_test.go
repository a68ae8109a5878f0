package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestBackupUnderLoad: a backup taken while payments are written is a
// consistent database that opens on its own, with every order, payment and
// card written before it began; it is 0600 and never overwrites a file.
func TestBackupUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "data", "coft.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustMerchant(t, db, "a")
	write := func(i int) {
		id := fmt.Sprintf("o%d", i)
		if err := db.CreateOrder(ctx, newOrder("a", id)); err != nil {
			t.Error(err)
			return
		}
		if _, _, err := db.StartTxn(ctx, newTxn("a", id, "fp"), time.Now().Add(-time.Hour), nil); err != nil {
			t.Error(err)
		}
	}
	const before = 200
	for i := range before {
		write(i)
	}
	var n atomic.Int64
	n.Store(before)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 { // writers go on during the backup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					write(int(n.Add(1)))
				}
			}
		}()
	}
	backup := filepath.Join(dir, "backup.db")
	err = db.Backup(ctx, backup)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	if err := db.Backup(ctx, backup); err == nil {
		t.Error("a backup overwrote an existing file")
	}

	// Restored: the snapshot as a new data directory's database.
	restoredDir := filepath.Join(dir, "restored")
	if err := os.MkdirAll(restoredDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(backup, filepath.Join(restoredDir, "coft.db")); err != nil {
		t.Fatal(err)
	}
	r, err := sqlstore.OpenSQLite(ctx, filepath.Join(restoredDir, "coft.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := range before {
		o, tx, err := r.FindOrderStatus(ctx, "a", fmt.Sprintf("o%d", i))
		if err != nil || tx == nil || o.Status != coft.StatusPendingVBV {
			t.Fatalf("order o%d in the restored database: %+v %+v %v", i, o, tx, err)
		}
	}
	if _, err := r.FindMerchantByID(ctx, "a"); err != nil {
		t.Fatal(err)
	}
}
