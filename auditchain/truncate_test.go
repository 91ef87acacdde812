package auditchain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/slogaudit"
)

// copytruncate (copy the file, then truncate it under the writer) is not
// supported for chained files, but it must not go unnoticed: the writer sees
// the file shrink at its next checkpoint, and continues in a new segment
// whose header records truncated_at_seq. The file then verifies as not
// provable, whatever the flags.
func TestChainNoticesCopytruncate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	var notes []error
	enc := slogaudit.NewEncoder(&slogaudit.Options{OnError: func(err error) { notes = append(notes, err) }})
	c, err := OpenChain(path, nil, &ChainOptions{SigningKey: testSignKey, CheckpointInterval: -1, Encoder: enc})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		c.Write([]byte(`{"a":1}` + "\n"))
	}
	// logrotate's copytruncate.
	data, _ := os.ReadFile(path)
	os.WriteFile(path+".1", data, 0o600)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"a":6}` + "\n"))
	c.Write([]byte(`{"a":7}` + "\n"))
	if err := c.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"a":8}` + "\n"))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Error(), "truncated") {
		t.Errorf("OnError: %v", notes)
	}

	after, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(after), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], `{"a":6,"seq":6,`) {
		t.Fatalf("file after the truncation:\n%s", after)
	}
	var hdr struct {
		Attributes map[string]any `json:"attributes"`
	}
	json.Unmarshal([]byte(lines[2]), &hdr)
	a := hdr.Attributes
	if a[KeyChainTruncatedAtSeq] != float64(7) || a[KeyChainPrevSeq] != float64(7) || a[KeyChainPrevSegment] == nil {
		t.Fatalf("header after the truncation: %s", lines[2])
	}

	for _, opts := range []*VerifyOptions{{PublicKey: testPubKey}, {PublicKey: testPubKey, AllowPartialSeries: true}} {
		rep, err := Verify([]string{path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Complete() || !strings.Contains(rep.Incomplete[0].Msg, "truncated") {
			t.Errorf("%+v: want not provable (truncated), got %+v %v", opts, rep.Incomplete, rep.Tampered)
		}
	}
}
