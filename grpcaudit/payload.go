package grpcaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/secaudit/auditkit/internal/reqevent"
	"github.com/secaudit/auditkit/redact"
)

// Values of rpc.request.body.parse_status, written when a message was not
// captured.
const (
	// ParseTooLarge: the message is longer than MaxPayloadBytes on the wire
	// (or, for a message that is not protobuf, as JSON).
	ParseTooLarge = "too_large"
	// ParseUnsupported: the message is neither protobuf nor a value
	// encoding/json renders as an object.
	ParseUnsupported = "unsupported"
)

// payloadConfig is the compiled payload-capture rule set.
type payloadConfig struct {
	max     int
	methods []*regexp.Regexp
	all     bool     // "*": every field
	fields  []string // proto or JSON names of the fields kept
	streamN int
	// streamBudget bounds the bytes (wire size, or JSON for a message that
	// is not protobuf) that one stream's captured messages hold together.
	streamBudget int
}

// MaxPayloadStreamMessages is the largest Options.PayloadStreamMessages New
// accepts.
const MaxPayloadStreamMessages = 100

// streamBudgetFactor: a stream's captured messages hold at most this many
// times MaxPayloadBytes together (and never more than MaxPayloadBytesLimit).
const streamBudgetFactor = 16

func compilePayload(o *Options, add func(error)) *payloadConfig {
	p := &payloadConfig{max: o.MaxPayloadBytes, streamN: o.PayloadStreamMessages}
	if p.max < 0 {
		add(fmt.Errorf("grpcaudit: MaxPayloadBytes %d: must not be negative", p.max))
	}
	if p.max > MaxPayloadBytesLimit {
		add(fmt.Errorf("grpcaudit: MaxPayloadBytes %d: above the limit of %d (MaxPayloadBytesLimit)", p.max, MaxPayloadBytesLimit))
	}
	if p.max <= 0 {
		p.max = DefaultMaxPayloadBytes
	}
	p.streamBudget = min(streamBudgetFactor*p.max, MaxPayloadBytesLimit)
	if p.streamN < 0 {
		add(fmt.Errorf("grpcaudit: PayloadStreamMessages %d: must not be negative", p.streamN))
	}
	if p.streamN > MaxPayloadStreamMessages {
		add(fmt.Errorf("grpcaudit: PayloadStreamMessages %d: above the limit of %d (MaxPayloadStreamMessages)", p.streamN, MaxPayloadStreamMessages))
	}
	if p.streamN <= 0 {
		p.streamN = 1
	}
	p.methods = compileRegexps("PayloadMethods", o.PayloadMethods, add)
	for i, f := range o.PayloadFields {
		if f == "" {
			add(fieldErr("PayloadFields", i, f, errors.New("empty field name")))
			continue
		}
		if p.all || f == "*" {
			p.all, p.fields = true, nil
			continue // every name is still checked
		}
		if !slices.Contains(p.fields, f) {
			p.fields = append(p.fields, f)
		}
	}
	if !o.CapturePayloads {
		// Capture settings without the switch are a half-done
		// configuration: say so rather than capture nothing silently.
		var set []string
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"PayloadFields", len(o.PayloadFields) > 0}, {"PayloadMethods", len(o.PayloadMethods) > 0},
			{"MaxPayloadBytes", o.MaxPayloadBytes != 0}, {"PayloadStreamMessages", o.PayloadStreamMessages != 0},
		} {
			if f.set {
				set = append(set, f.name)
			}
		}
		if len(set) > 0 {
			add(fmt.Errorf("grpcaudit: %s set without CapturePayloads: set CapturePayloads to capture, or leave them empty", strings.Join(set, ", ")))
		}
		return nil
	}
	if len(o.PayloadFields) == 0 {
		add(fmt.Errorf(`grpcaudit: CapturePayloads: PayloadFields is empty; list the fields to keep, or "*" for all`))
	}
	return p
}

// wants reports whether calls of fullMethod are captured.
func (p *payloadConfig) wants(fullMethod string) bool {
	if len(p.methods) == 0 {
		return true
	}
	for _, re := range p.methods {
		if re.MatchString(fullMethod) {
			return true
		}
	}
	return false
}

// keeps reports whether a top-level field is kept.
func (p *payloadConfig) keeps(names ...string) bool {
	if p.all {
		return true
	}
	for _, n := range names {
		if slices.Contains(p.fields, n) {
			return true
		}
	}
	return false
}

// captured is one message as received: a private copy, taken before the
// method runs (or sees a stream message), so nothing the method does to
// its message changes the record, and nothing captured is shared with it.
// Rendering waits until an event is written.
type captured struct {
	msg    proto.Message // a clone; nil when not protobuf
	json   []byte        // encoding/json's rendering of a message that is not protobuf
	status string        // a parse status instead
}

// captureUnary captures a unary request.
func (p *payloadConfig) captureUnary(req any) *captured {
	c, _ := p.captureMessage(req, p.max)
	return c
}

// captureMessage copies m if it is at most limit bytes (and MaxPayloadBytes):
// protobuf messages (the current API, or the old github.com/golang/protobuf
// one) by proto.Clone after a proto.Size check, anything else through
// encoding/json. size is what the copy holds (0 when nothing was kept).
func (p *payloadConfig) captureMessage(m any, limit int) (c *captured, size int) {
	defer func() {
		// A message whose methods panic (a nil pointer, say) is not the
		// audit's business to crash on.
		if recover() != nil {
			c, size = &captured{status: ParseUnsupported}, 0
		}
	}()
	limit = min(limit, p.max)
	var pm proto.Message
	switch x := m.(type) {
	case proto.Message:
		pm = x
	case protoadapt.MessageV1:
		pm = protoadapt.MessageV2Of(x)
	}
	if pm != nil {
		n := proto.Size(pm)
		if n > limit {
			return &captured{status: ParseTooLarge}, 0
		}
		return &captured{msg: proto.Clone(pm)}, n
	}
	b, err := json.Marshal(m)
	switch {
	case err != nil || len(b) == 0 || b[0] != '{':
		return &captured{status: ParseUnsupported}, 0
	case len(b) > limit:
		return &captured{status: ParseTooLarge}, 0
	}
	return &captured{json: b}, len(b)
}

// render returns the captured message as a redacted object, or nil and the
// reason it is not logged. A message that panics while rendered costs its
// body, never the call's event.
func (c *captured) render(p *payloadConfig, red *redact.Redactor) (body map[string]any, status string) {
	defer func() {
		if recover() != nil {
			body, status = nil, ParseUnsupported
		}
	}()
	switch {
	case c.status != "":
		return nil, c.status
	case c.msg != nil:
		return renderProto(c.msg.ProtoReflect(), p, red), ""
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(c.json, &obj); err != nil {
		return nil, ParseUnsupported
	}
	out := make(map[string]any, len(obj))
	for k, raw := range obj {
		if !p.keeps(k) {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil {
			continue
		}
		out[k] = red.Value(k, v)
	}
	return out, ""
}

// appendBody appends rpc.request.body (and its parse status) when the call
// captured anything: the unary request as an object, a stream's messages as
// a list. A stream message that was not captured is left out of the list;
// the parse status names the first such reason.
func (st *call) appendBody(a []slog.Attr) []slog.Attr {
	c := st.ic.c
	if st.body != nil {
		body, status := st.body.render(c.payload, c.redactor)
		if body != nil {
			a = append(a, slog.Any(KeyRequestBody, body))
		}
		return reqevent.AppendString(a, KeyRequestBodyParseStatus, status)
	}
	if st.stream == nil || st.stream.capture == nil {
		return a
	}
	msgs := st.stream.capturedMessages()
	if len(msgs) == 0 {
		return a
	}
	list := make([]any, 0, len(msgs))
	first := ""
	for _, m := range msgs {
		body, status := m.render(c.payload, c.redactor)
		if body != nil {
			list = append(list, body)
		} else if first == "" {
			first = status
		}
	}
	if len(list) > 0 {
		a = append(a, slog.Any(KeyRequestBody, list))
	}
	return reqevent.AppendString(a, KeyRequestBodyParseStatus, first)
}
