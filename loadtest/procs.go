package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// readyTimeout bounds how long a child may take to answer its health checks.
const readyTimeout = 30 * time.Second

// lab is the run's environment: the server binary, a scratch directory and
// the child processes started in it. Every child is put in a process group
// of its own so that stopAll can end it with whatever it started.
type lab struct {
	bin      string // the server binary
	dir      string // scratch directory, the service's DATA_DIR
	dbURL    string // the service's DATABASE_URL; "" for SQLite in dir
	schema   string // the PostgreSQL schema dbURL puts the service in
	logLevel string

	mu    sync.Mutex
	procs []*child
}

// child is a running server process.
type child struct {
	name string
	addr string // host:port it listens on
	cmd  *exec.Cmd
	log  string        // file holding its stdout and stderr
	done chan struct{} // closed once it has exited
	err  error         // its exit status, set before done closes
}

// buildServer compiles the server command into dir and returns the path of
// the binary.
func buildServer(ctx context.Context, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "server")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/coftkit/coft/server")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./server: %v\n%s", err, out)
	}
	return bin, nil
}

// env is the environment of a server command listening on addr.
func (l *lab) env(addr string) []string {
	return append(os.Environ(), "ADDR="+addr, "DATA_DIR="+l.dir, "DATABASE_URL="+l.dbURL,
		"LOG_LEVEL="+l.logLevel, "BASE_URL=")
}

// sqlitePath is the SQLite file the service uses when dbURL is empty.
func (l *lab) sqlitePath() string { return filepath.Join(l.dir, "coft.db") }

// openDB opens the service's database, to prepare or check what the
// service stores.
func (l *lab) openDB() (*sql.DB, error) {
	if isPostgres(l.dbURL) {
		return sql.Open("pgx", l.dbURL)
	}
	return sql.Open("sqlite", "file:"+l.sqlitePath()+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
}

// createMerchant runs "server merchants create" with flags and returns the
// new merchant's API key.
func (l *lab) createMerchant(ctx context.Context, id string, flags ...string) (string, error) {
	cmd := exec.CommandContext(ctx, l.bin, append([]string{"merchants", "create", "-id", id, "-name", "Load", "-return-origins", "https://shop.example"}, flags...)...)
	cmd.Env = l.env("127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("merchants create: %v\n%s", err, stderr.Bytes())
	}
	var m struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(out, &m); err != nil || m.APIKey == "" {
		return "", fmt.Errorf("merchants create printed no api_key: %q", out)
	}
	return m.APIKey, nil
}

// start runs "server <args>" on a free local port and waits until each of
// readyPaths answers 200.
func (l *lab) start(ctx context.Context, name string, args []string, readyPaths ...string) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(l.dir, name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child holds its own descriptor

	cmd := exec.CommandContext(ctx, l.bin, args...)
	cmd.Env = l.env(addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// When ctx ends (Ctrl-C), end the whole group, not just the leader.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{name: name, addr: addr, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	l.mu.Lock()
	l.procs = append(l.procs, c)
	l.mu.Unlock()

	if err := c.waitReady(ctx, readyPaths); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// stopAll stops every child still running.
func (l *lab) stopAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.procs {
		c.stop()
	}
	l.procs = nil
}

// stop ends the child's process group, gracefully first, and waits for the
// child to exit. Stopping a child that has exited does nothing.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	pgid := -c.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(pgid, syscall.SIGKILL)
		<-c.done
	}
}

// alive returns an error if the child has exited.
func (c *child) alive() error {
	select {
	case <-c.done:
		return fmt.Errorf("%s exited: %v\n%s", c.name, c.err, c.logTail())
	default:
		return nil
	}
}

// waitReady polls the paths in turn until each answers 200, the child exits
// or readyTimeout passes.
func (c *child) waitReady(ctx context.Context, paths []string) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	deadline := time.Now().Add(readyTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for _, p := range paths {
		for {
			resp, err := client.Get("http://" + c.addr + p)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: %s not ready after %v (last: %v)\n%s", c.name, p, readyTimeout, err, c.logTail())
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-c.done:
				return c.alive()
			case <-tick.C:
			}
		}
	}
	return nil
}

// logTail returns the last lines of the child's output.
func (c *child) logTail() string {
	b, _ := os.ReadFile(c.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// memory reads the child's resident set size and its peak (VmRSS and
// VmHWM) from /proc, in bytes.
func (c *child) memory() (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		fs := strings.Fields(v) // "12345 kB"
		if len(fs) != 2 || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %v", k, err)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			peak = n << 10
		}
	}
	if rss == 0 || peak == 0 {
		return 0, 0, errors.New("no VmRSS or VmHWM in /proc status")
	}
	return rss, peak, sc.Err()
}

// freeAddr returns a local address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// isPostgres reports whether a DATABASE_URL names PostgreSQL.
func isPostgres(dbURL string) bool {
	return strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://")
}

// newSchema creates a fresh schema in the PostgreSQL database at dbURL and
// returns its name, the URL that puts the service in it, and a function
// that drops it.
func newSchema(ctx context.Context, dbURL string) (string, string, func() error, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", "", nil, err
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "lt_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", "", nil, fmt.Errorf("postgres: %w", err)
	}
	drop := func() error {
		// The run's context may be cancelled by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		return errors.Join(err, db.Close())
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return schema, u.String(), drop, nil
}
