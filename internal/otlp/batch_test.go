package otlp

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// The proto schema as field name → (number, kind), to print a decoded
// request in a form a reviewer can check by eye. Kinds: m message, s
// string, b bytes (hex), v varint, x fixed64, f fixed32, d double.
var schema = map[string]map[protowire.Number]struct{ name, kind, msg string }{
	"Request":      {1: {"resource_logs", "m", "ResourceLogs"}},
	"ResourceLogs": {1: {"resource", "m", "Resource"}, 2: {"scope_logs", "m", "ScopeLogs"}, 3: {"schema_url", "s", ""}},
	"Resource":     {1: {"attributes", "m", "KeyValue"}, 2: {"dropped", "v", ""}},
	"ScopeLogs":    {1: {"scope", "m", "Scope"}, 2: {"log_records", "m", "LogRecord"}, 3: {"schema_url", "s", ""}},
	"Scope":        {1: {"name", "s", ""}, 2: {"version", "s", ""}, 3: {"attributes", "m", "KeyValue"}, 4: {"dropped", "v", ""}},
	"LogRecord": {1: {"time", "x", ""}, 2: {"severity", "v", ""}, 3: {"severity_text", "s", ""}, 5: {"body", "m", "AnyValue"},
		6: {"attributes", "m", "KeyValue"}, 7: {"dropped", "v", ""}, 8: {"flags", "f", ""}, 9: {"trace_id", "b", ""},
		10: {"span_id", "b", ""}, 11: {"observed", "x", ""}, 12: {"event_name", "s", ""}},
	"KeyValue": {1: {"key", "s", ""}, 2: {"value", "m", "AnyValue"}},
	"AnyValue": {1: {"string", "s", ""}, 2: {"bool", "v", ""}, 3: {"int", "v", ""}, 4: {"double", "d", ""},
		5: {"array", "m", "List"}, 6: {"kvlist", "m", "KVList"}, 7: {"bytes", "b", ""}},
	"List":   {1: {"values", "m", "AnyValue"}},
	"KVList": {1: {"values", "m", "KeyValue"}},
}

// dump prints msg, a message of type typ, as name:value pairs; it fails the
// test on anything the schema does not expect.
func dump(t *testing.T, msg []byte, typ string) string {
	t.Helper()
	var parts []string
	for len(msg) > 0 {
		num, wt, n := protowire.ConsumeTag(msg)
		if n < 0 {
			t.Fatalf("%s: bad tag", typ)
		}
		msg = msg[n:]
		f, ok := schema[typ][num]
		if !ok {
			t.Fatalf("%s: unexpected field %d", typ, num)
		}
		var v string
		switch f.kind {
		case "m", "s", "b":
			if wt != protowire.BytesType {
				t.Fatalf("%s.%s: wire type %d", typ, f.name, wt)
			}
			var b []byte
			b, n = protowire.ConsumeBytes(msg)
			switch f.kind {
			case "m":
				v = "{" + dump(t, b, f.msg) + "}"
			case "s":
				v = fmt.Sprintf("%q", b)
			default:
				v = fmt.Sprintf("%x", b)
			}
		case "v":
			var u uint64
			u, n = protowire.ConsumeVarint(msg)
			v = fmt.Sprint(int64(u))
		case "x", "d":
			var u uint64
			u, n = protowire.ConsumeFixed64(msg)
			v = fmt.Sprint(u)
			if f.kind == "d" {
				v = fmt.Sprint(math.Float64frombits(u))
			}
		case "f":
			var u uint32
			u, n = protowire.ConsumeFixed32(msg)
			v = fmt.Sprint(u)
		}
		if n < 0 {
			t.Fatalf("%s.%s: bad value", typ, f.name)
		}
		msg = msg[n:]
		parts = append(parts, f.name+":"+v)
	}
	return strings.Join(parts, " ")
}

const head = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"billing"}}]},"scopeLogs":[{"scope":{"name":"s","version":"1"},"logRecords":[`

func TestTranscode(t *testing.T) {
	for _, tc := range []struct{ name, record, want string }{
		{"envelope", `{"timeUnixNano":"1712345678000000000","observedTimeUnixNano":"2","severityNumber":9,"severityText":"INFO","body":{"stringValue":"hi"},"eventName":"e","traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","flags":1}`,
			`time:1712345678000000000 observed:2 severity:9 severity_text:"INFO" body:{string:"hi"} event_name:"e" trace_id:0102030405060708090a0b0c0d0e0f10 span_id:0102030405060708 flags:1`},
		{"every value kind", `{"attributes":[{"key":"s","value":{"stringValue":"a\"b\\c\n\u2028é\ud83d\ude00"}},{"key":"i","value":{"intValue":"-9223372036854775808"}},{"key":"n","value":{"intValue":7}},{"key":"f","value":{"doubleValue":1.5}},{"key":"nan","value":{"doubleValue":"NaN"}},{"key":"t","value":{"boolValue":false}},{"key":"z","value":{"intValue":"0"}},{"key":"e","value":{"stringValue":""}},{"key":"nil","value":{}},{"key":"by","value":{"bytesValue":"aGk="}}]}`,
			`attributes:{key:"s" value:{string:"a\"b\\c\n\u2028é😀"}} attributes:{key:"i" value:{int:-9223372036854775808}} attributes:{key:"n" value:{int:7}} attributes:{key:"f" value:{double:1.5}} attributes:{key:"nan" value:{double:NaN}} attributes:{key:"t" value:{bool:0}} attributes:{key:"z" value:{int:0}} attributes:{key:"e" value:{string:""}} attributes:{key:"nil" value:{}} attributes:{key:"by" value:{bytes:6869}}`},
		{"nested", `{"attributes":[{"key":"m","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"},{}]}}}]}}},{"key":"em","value":{"kvlistValue":{}}},{"key":"ea","value":{"arrayValue":{}}}]}`,
			`attributes:{key:"m" value:{kvlist:{values:{key:"a" value:{array:{values:{int:1} values:{}}}}}}} attributes:{key:"em" value:{kvlist:{}}} attributes:{key:"ea" value:{array:{}}}`},
		{"snake case, enum name, zeros omitted", `{"time_unix_nano":"0","severity_number":"SEVERITY_NUMBER_WARN","severity_text":"","flags":0,"dropped_attributes_count":3,"trace_id":"","unknown":{"x":[1,2]}}`,
			`severity:13 dropped:3`},
		{"long string (length takes 2 bytes)", `{"body":{"stringValue":"` + strings.Repeat("x", 300) + `"}}`,
			`body:{string:"` + strings.Repeat("x", 300) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBatch(true)
			if err := b.Add([]byte(head + tc.record + `]}]}]}`)); err != nil {
				t.Fatal(err)
			}
			body, err := b.Append(nil, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := `resource_logs:{resource:{attributes:{key:"service.name" value:{string:"billing"}}} scope_logs:{scope:{name:"s" version:"1"} log_records:{` + tc.want + `}}}`
			if got := dump(t, body, "Request"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestBatchGroupsAndSplits(t *testing.T) {
	lines := []string{
		head + `{"body":{"stringValue":"1"}}]}]}]}`,
		head + `{"body":{"stringValue":"2"}},{"body":{"stringValue":"3"}}]}]}],"seq":2,"chain":"ab"}`,
		strings.Replace(head, `"name":"s"`, `"name":"other"`, 1) + `{"body":{"stringValue":"4"}}]}]}]}`,
		// scopeLogs before resource, logRecords before scope
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"5"}}],"scope":{"name":"other","version":"1"}}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"billing"}}]}}]}`,
	}
	for _, protobuf := range []bool{true, false} {
		b := NewBatch(protobuf)
		for _, l := range lines {
			if err := b.Add([]byte(l)); err != nil {
				t.Fatalf("%s: %v", l, err)
			}
		}
		if b.Lines() != 4 || b.Records(0, 4) != 5 || b.Records(1, 3) != 3 {
			t.Fatalf("lines %d records %d/%d", b.Lines(), b.Records(0, 4), b.Records(1, 3))
		}
		body, err := b.Append(nil, 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		res := `resource:{attributes:{key:"service.name" value:{string:"billing"}}}`
		want := `resource_logs:{` + res + ` scope_logs:{scope:{name:"s" version:"1"} log_records:{body:{string:"1"}} log_records:{body:{string:"2"}} log_records:{body:{string:"3"}}}` +
			` scope_logs:{scope:{name:"other" version:"1"} log_records:{body:{string:"4"}} log_records:{body:{string:"5"}}}}`
		if protobuf {
			if got := dump(t, body, "Request"); got != want {
				t.Errorf("protobuf got\n%s\nwant\n%s", got, want)
			}
		} else {
			var req struct {
				ResourceLogs []struct {
					ScopeLogs []struct {
						Scope      map[string]any
						LogRecords []map[string]any
					}
				}
			}
			if err := json.Unmarshal(body, &req); err != nil {
				t.Fatalf("JSON body %s: %v", body, err)
			}
			if len(req.ResourceLogs) != 1 || len(req.ResourceLogs[0].ScopeLogs) != 2 ||
				len(req.ResourceLogs[0].ScopeLogs[0].LogRecords) != 3 || len(req.ResourceLogs[0].ScopeLogs[1].LogRecords) != 2 {
				t.Errorf("JSON grouping wrong: %s", body)
			}
		}
		// A half is a request of its own.
		half, err := b.Append(nil, 2, 4)
		if err != nil {
			t.Fatal(err)
		}
		if protobuf {
			want := `resource_logs:{` + res + ` scope_logs:{scope:{name:"other" version:"1"} log_records:{body:{string:"4"}} log_records:{body:{string:"5"}}}}`
			if got := dump(t, half, "Request"); got != want {
				t.Errorf("half got\n%s\nwant\n%s", got, want)
			}
		} else if !json.Valid(half) || strings.Contains(string(half), `{"stringValue":"1"}`) {
			t.Errorf("JSON half %s", half)
		}
	}
}

func TestAddRefuses(t *testing.T) {
	for _, line := range []string{
		``, `{}x`, `[]`, `{"resourceLogs":{}}`, `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x}}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"01"}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":25}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"k","value":{"intValue":"1.5"}}]}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":` + strings.Repeat(`{"arrayValue":{"values":[`, 100) + `]}}]}]}]}`,
		`{"timestamp":"2026-01-01T00:00:00Z","body":"a JSONL line, not OTLP"}`,
		`{"resourceLogs":[]}`,
	} {
		b := NewBatch(true)
		if err := b.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}`)); err != nil {
			t.Fatal(err)
		}
		if err := b.Add([]byte(line)); err == nil {
			t.Errorf("%s: accepted", line)
		}
		if b.Lines() != 1 || b.Records(0, 1) != 1 {
			t.Errorf("%s: a refused line changed the batch", line)
		}
	}
}

func TestResponses(t *testing.T) {
	ps := protowire.AppendTag(nil, 1, protowire.VarintType)
	ps = protowire.AppendVarint(ps, 3)
	ps = protowire.AppendTag(ps, 2, protowire.BytesType)
	ps = protowire.AppendString(ps, "bad records")
	resp := protowire.AppendTag(nil, 1, protowire.BytesType)
	resp = protowire.AppendBytes(resp, ps)
	if got := ParseSuccess(resp, true); got != (Response{3, "bad records"}) {
		t.Errorf("protobuf partial success = %+v", got)
	}
	if got := ParseSuccess([]byte(`{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"x\n"}}`), false); got != (Response{2, "x\n"}) {
		t.Errorf("JSON partial success = %+v", got)
	}
	if got := ParseSuccess(nil, true); got != (Response{}) {
		t.Errorf("empty = %+v", got)
	}
	st := protowire.AppendTag(nil, 1, protowire.VarintType)
	st = protowire.AppendVarint(st, 3)
	st = protowire.AppendTag(st, 2, protowire.BytesType)
	st = protowire.AppendString(st, "invalid body")
	if got := ParseStatus(st, true); got != "invalid body" {
		t.Errorf("status = %q", got)
	}
	if got := ParseStatus([]byte(`{"code":3,"message":"bad \"json\""}`), false); got != `bad "json"` {
		t.Errorf("JSON status = %q", got)
	}
}
