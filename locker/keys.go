package locker

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/coftkit/coft"
)

// KeySize is the size in bytes of every key the locker uses.
const KeySize = 32

// Environment variables read by LoadKeys.
const (
	EnvLockerKey      = "LOCKER_KEY"
	EnvFingerprintKey = "FINGERPRINT_KEY"
	EnvSigningKey     = "SIGNING_KEY"
)

// KeysFile is the name of the file, in the data directory, that holds the
// keys not given in the environment.
const KeysFile = "keys.json"

// Keys is the locker's key material.
type Keys struct {
	// Active is the id of the encryption key used to seal.
	Active string
	// Encryption holds the AES-256 keys (32 bytes each) by key id. Keys other
	// than the active one are kept so that older ciphertexts can be opened.
	Encryption map[string][]byte
	// Fingerprint is the 32-byte key of card fingerprints and PARs. It is
	// never rotated: fingerprints must stay equal across key rotation.
	Fingerprint []byte
	// Signing is the 32-byte key that signs capability tokens (authtoken).
	Signing []byte
}

// String describes the keys without revealing them, so that printing or
// logging a Keys by accident leaks nothing.
func (k Keys) String() string {
	return fmt.Sprintf("locker.Keys{Active: %q, %d encryption keys, [redacted]}", k.Active, len(k.Encryption))
}

// GoString is like String, for the %#v verb.
func (k Keys) GoString() string { return k.String() }

// keysJSON is the layout of keys.json.
type keysJSON struct {
	Locker      []keyJSON `json:"locker"`
	Fingerprint string    `json:"fingerprint"`
	Signing     string    `json:"signing"`
}

type keyJSON struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// LoadKeys reads the locker's keys from the environment (through getenv;
// nil means os.Getenv):
//
//   - LOCKER_KEY: comma-separated id:base64 pairs, each key 32 bytes in
//     standard or URL-safe base64, padded or not. The first key is the
//     active one; the others are kept to open older ciphertexts. Key ids
//     are 1 to 32 characters of [A-Za-z0-9_-].
//   - FINGERPRINT_KEY, SIGNING_KEY: base64 of 32 bytes.
//
// Keys not set in the environment are taken from <dataDir>/keys.json, which
// is created with fresh random keys (mode 0600, in a directory created 0700)
// if it does not exist. The file is a sandbox convenience; production sets
// all three variables. If dataDir is "" a missing variable is an error.
//
// Error messages name the variable or file at fault but never contain key
// material.
func LoadKeys(dataDir string, getenv func(string) string) (*Keys, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	k := &Keys{}
	var err error
	lockerEnv := strings.TrimSpace(getenv(EnvLockerKey))
	fpEnv := strings.TrimSpace(getenv(EnvFingerprintKey))
	sigEnv := strings.TrimSpace(getenv(EnvSigningKey))
	if lockerEnv != "" {
		if k.Active, k.Encryption, err = parseLockerKeys(lockerEnv); err != nil {
			return nil, fmt.Errorf("locker: %s: %w", EnvLockerKey, err)
		}
	}
	if fpEnv != "" {
		if k.Fingerprint, err = decodeKey(fpEnv); err != nil {
			return nil, fmt.Errorf("locker: %s: %w", EnvFingerprintKey, err)
		}
	}
	if sigEnv != "" {
		if k.Signing, err = decodeKey(sigEnv); err != nil {
			return nil, fmt.Errorf("locker: %s: %w", EnvSigningKey, err)
		}
	}
	if lockerEnv != "" && fpEnv != "" && sigEnv != "" {
		return k, nil
	}

	if dataDir == "" {
		for _, v := range []struct{ name, val string }{
			{EnvLockerKey, lockerEnv}, {EnvFingerprintKey, fpEnv}, {EnvSigningKey, sigEnv},
		} {
			if v.val == "" {
				return nil, fmt.Errorf("locker: %s is not set and there is no data directory to keep generated keys in; set %s", v.name, v.name)
			}
		}
	}
	f, err := loadOrCreateKeysFile(filepath.Join(dataDir, KeysFile))
	if err != nil {
		return nil, err
	}
	if lockerEnv == "" {
		k.Active, k.Encryption = f.Active, f.Encryption
	}
	if fpEnv == "" {
		k.Fingerprint = f.Fingerprint
	}
	if sigEnv == "" {
		k.Signing = f.Signing
	}
	return k, nil
}

// parseLockerKeys parses "id:base64,id:base64". Errors identify an entry by
// its position, never by its content.
func parseLockerKeys(s string) (active string, keys map[string][]byte, err error) {
	keys = make(map[string][]byte)
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return "", nil, fmt.Errorf("entry %d is not of the form id:base64", i+1)
		}
		id = strings.TrimSpace(id)
		if !ValidKeyID(id) {
			return "", nil, fmt.Errorf("entry %d: key id must be 1 to 32 characters of A-Z a-z 0-9 _ -", i+1)
		}
		if _, dup := keys[id]; dup {
			return "", nil, fmt.Errorf("entry %d: key id %q appears twice", i+1, id)
		}
		key, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return "", nil, fmt.Errorf("entry %d (key id %q): %w", i+1, id, err)
		}
		keys[id] = key
		if i == 0 {
			active = id
		}
	}
	return active, keys, nil
}

// decodeKey decodes a base64 key of KeySize bytes. Its error never contains s.
func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("key must be %d bytes, got %d", KeySize, len(b))
		}
		return b, nil
	}
	return nil, errors.New("key is not valid base64")
}

// ValidKeyID reports whether id is an acceptable encryption key id:
// 1 to 32 characters of [A-Za-z0-9_-].
func ValidKeyID(id string) bool { return coft.IsIdentifier(id, 32) }

// loadOrCreateKeysFile reads the keys file, creating it with random keys if
// it does not exist.
func loadOrCreateKeysFile(path string) (*Keys, error) {
	k, err := readKeysFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("locker: creating the data directory: %w", err)
	}
	data, err := generateKeysFile()
	if err != nil {
		return nil, err
	}
	created, err := writeNewFile(path, data)
	if err != nil {
		return nil, fmt.Errorf("locker: writing %s: %w", path, err)
	}
	if !created {
		// Another process created the file first: use its keys, not ours.
		return readKeysFile(path)
	}
	return parseKeysFile(path, data)
}

func readKeysFile(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("locker: reading %s: %w", path, err)
	}
	return parseKeysFile(path, data)
}

func parseKeysFile(path string, data []byte) (*Keys, error) {
	var f keysJSON
	if err := json.Unmarshal(data, &f); err != nil {
		// The error of encoding/json may quote the input; do not wrap it.
		return nil, fmt.Errorf("locker: %s is not valid JSON", path)
	}
	if len(f.Locker) == 0 {
		return nil, fmt.Errorf("locker: %s has no locker keys; set %s or remove the file", path, EnvLockerKey)
	}
	k := &Keys{Active: f.Locker[0].ID, Encryption: make(map[string][]byte)}
	for i, e := range f.Locker {
		if !ValidKeyID(e.ID) {
			return nil, fmt.Errorf("locker: %s: locker key %d: key id must be 1 to 32 characters of A-Z a-z 0-9 _ -", path, i+1)
		}
		if _, dup := k.Encryption[e.ID]; dup {
			return nil, fmt.Errorf("locker: %s: locker key id %q appears twice", path, e.ID)
		}
		key, err := decodeKey(e.Key)
		if err != nil {
			return nil, fmt.Errorf("locker: %s: locker key %q: %w", path, e.ID, err)
		}
		k.Encryption[e.ID] = key
	}
	var err error
	if k.Fingerprint, err = decodeKey(f.Fingerprint); err != nil {
		return nil, fmt.Errorf("locker: %s: fingerprint: %w", path, err)
	}
	if k.Signing, err = decodeKey(f.Signing); err != nil {
		return nil, fmt.Errorf("locker: %s: signing: %w", path, err)
	}
	return k, nil
}

// generateKeysFile returns the contents of a keys file with fresh keys.
func generateKeysFile() ([]byte, error) {
	var keys [3][KeySize]byte
	for i := range keys {
		if _, err := rand.Read(keys[i][:]); err != nil {
			return nil, fmt.Errorf("locker: generating keys: %w", err)
		}
	}
	enc := base64.StdEncoding.EncodeToString
	data, err := json.MarshalIndent(keysJSON{
		Locker:      []keyJSON{{ID: "k1", Key: enc(keys[0][:])}},
		Fingerprint: enc(keys[1][:]),
		Signing:     enc(keys[2][:]),
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// writeNewFile atomically creates path with data and mode 0600: it writes a
// temporary file in the same directory, syncs it, then links it into place,
// so that readers never see a partial file and a file created meanwhile by
// another process is never replaced (created is then false). Where hard
// links are not supported it falls back to rename.
func writeNewFile(path string, data []byte) (created bool, err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		if _, statErr := os.Lstat(path); statErr == nil {
			return false, nil
		}
		if err := os.Rename(tmpName, path); err != nil {
			return false, err
		}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: make the new directory entry durable
		d.Close()
	}
	return true, nil
}
