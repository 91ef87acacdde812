package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Fields of a witness entry in VictoriaLogs. _msg holds the checkpoint line
// exactly as FILE.ckpt has it, which is what auditkit-verify -witness reads
// from an export; _time is the checkpoint's own time.
const (
	witnessMsgField  = "_msg"
	witnessTimeField = "_time"
	witnessFileField = "audit.chain.file"
)

// witnessContentType is the Content-Type of the posts. VictoriaLogs reads the
// body of /insert/jsonline whatever its type, except
// application/x-www-form-urlencoded (curl -d's default), with which it answers
// 200 and stores nothing.
const witnessContentType = "application/stream+json"

// vlWitness is an auditchain ChainOptions.Witness that posts every checkpoint
// line it is given to a VictoriaLogs /insert/jsonline endpoint, one JSON
// line each:
//
//	{"_msg":"<the checkpoint line>","_time":<its time, Unix ns>,"audit.chain.file":"<file name>"}
//
// with _msg_field, _time_field and _stream_fields=audit.chain.file set on the
// URL unless it sets them itself. A post is synchronous (the chain waits for
// it at each checkpoint, bounded by the client's timeout); an error is
// returned to the Chain, which hands it to the Encoder's OnError and never
// fails a log line for it.
type vlWitness struct {
	url    string
	file   string
	client *http.Client
}

// newVLWitness returns a witness posting to rawURL (an http or https
// /insert/jsonline URL) with file as the audit.chain.file of every entry.
func newVLWitness(rawURL, file string) (*vlWitness, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("-witness-url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-witness-url %q: want an http(s) URL such as http://127.0.0.1:9428/insert/jsonline", rawURL)
	}
	q := u.Query()
	for k, v := range map[string]string{
		"_msg_field":     witnessMsgField,
		"_time_field":    witnessTimeField,
		"_stream_fields": witnessFileField,
	} {
		if !q.Has(k) {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return &vlWitness{url: u.String(), file: file, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// witnessEntry is one posted line.
type witnessEntry struct {
	Msg  string `json:"_msg"`
	Time int64  `json:"_time"`
	File string `json:"audit.chain.file"`
}

// Write posts each line of p (checkpoint lines, each ending in "\n") in one
// request. It returns len(p) only when VictoriaLogs answered 200.
func (w *vlWitness) Write(p []byte) (int, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	for line := range bytes.SplitSeq(p, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var cp struct {
			Time int64 `json:"time"`
		}
		if json.Unmarshal(line, &cp) != nil || cp.Time <= 0 {
			cp.Time = time.Now().UnixNano()
		}
		if err := enc.Encode(witnessEntry{Msg: string(line), Time: cp.Time, File: w.file}); err != nil {
			return 0, fmt.Errorf("witness: %w", err)
		}
	}
	if body.Len() == 0 {
		return len(p), nil
	}
	req, err := http.NewRequest(http.MethodPost, w.url, &body)
	if err != nil {
		return 0, fmt.Errorf("witness: %w", err)
	}
	req.Header.Set("Content-Type", witnessContentType)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("witness: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("witness: %s: %s: %s", req.URL.Redacted(), resp.Status, bytes.TrimSpace(msg))
	}
	return len(p), nil
}

// errWitnessNeedsChain is the usage error of -witness-url without -chain.
var errWitnessNeedsChain = errors.New("-witness-url and -key need -chain")
