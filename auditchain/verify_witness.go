package auditchain

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// witnessMsgField is the field of a JSON witness line that carries the
// checkpoint line: the message field of VictoriaLogs, which a LogsQL export
// holds (KeyChainCheckpoint is the alternative for pipelines that keep the
// line in an attribute).
const witnessMsgField = "_msg"

// witnessLine returns the checkpoint line that a witness line holds: the
// line itself, or the string in its "_msg" or audit.chain.checkpoint field.
func witnessLine(l []byte) ([]byte, bool) {
	l = bytes.TrimSuffix(l, []byte{'\r'})
	if bytes.HasPrefix(l, []byte(`{"segment":`)) {
		return l, true
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(l, &doc) != nil {
		return nil, false
	}
	for _, k := range []string{witnessMsgField, KeyChainCheckpoint} {
		var s string
		if raw, ok := doc[k]; ok && json.Unmarshal(raw, &s) == nil && bytes.HasPrefix([]byte(s), []byte(`{"segment":`)) {
			return bytes.TrimSuffix([]byte(s), []byte{'\n'}), true
		}
	}
	return nil, false
}

// readWitness reads one witness file. Only entries in canonical form whose
// signature verifies count: whoever can write to the witness's destination
// (a shared log pipeline) must not be able to make a trail fail, or pass.
// The others are counted in a note.
func (v *verifier) readWitness(name string) error {
	f, err := openRegular(name)
	if err != nil {
		return fmt.Errorf("auditchain: witness: %w", err)
	}
	defer f.Close()
	var valid, invalid, other int
	err = readLines(f, func(n int, l []byte, _ bool) bool {
		if len(bytes.TrimSpace(l)) == 0 {
			return true
		}
		cl, ok := witnessLine(l)
		if !ok {
			other++
			return true
		}
		cp, err := parseCheckpoint(cl)
		if err != nil || !v.verifySig(&cp) {
			invalid++
			return true
		}
		valid++
		ref := &ckRef{cp: cp, file: name, line: n, witness: true}
		return v.addCheckpoint(ref)
	})
	if err != nil {
		return fmt.Errorf("auditchain: witness %s: %w", name, err)
	}
	v.rep.Witnessed += valid
	if invalid+other > 0 {
		v.note(Finding{File: name, Kind: Unchecked,
			Msg: fmt.Sprintf("%d witness line(s) ignored: %d checkpoint(s) not in canonical form or not signed by the key, %d without a checkpoint", invalid+other, invalid, other)})
	}
	if valid == 0 {
		v.note(Finding{File: name, Kind: Unchecked, Msg: "witness holds no validly signed checkpoint: it proves nothing"})
	}
	return nil
}
