package otlp

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// Response is what an OTLP/HTTP answer says about a request.
type Response struct {
	// Rejected is ExportLogsPartialSuccess.rejected_log_records.
	Rejected int64
	// Message is the partial success's error_message, or a failure's
	// google.rpc.Status message.
	Message string
}

// ParseSuccess reads an ExportLogsServiceResponse (a 200's body). An empty
// or unreadable body is a full success: the spec lets servers send nothing,
// and a success that cannot be read must not turn delivered records into
// failures.
func ParseSuccess(body []byte, protobuf bool) Response {
	var r Response
	if protobuf {
		if ps := protoField(body, 1); ps != nil { // partial_success
			r.Rejected = int64(protoVarint(ps, 1))
			r.Message = string(protoField(ps, 2))
		}
		return r
	}
	s := scanner{b: body}
	_ = s.object(func(key []byte) error {
		if string(key) != "partialSuccess" && string(key) != "partial_success" {
			return s.skip(0)
		}
		return s.object(func(key []byte) (err error) {
			switch string(key) {
			case "rejectedLogRecords", "rejected_log_records":
				r.Rejected, err = s.int64Value()
			case "errorMessage", "error_message":
				var msg []byte
				msg, err = s.appendString(nil)
				r.Message = string(msg)
			default:
				err = s.skip(0)
			}
			return err
		})
	})
	return r
}

// ParseStatus reads the message of a google.rpc.Status, the body of a
// failed request, in protobuf or JSON; "" when there is none.
func ParseStatus(body []byte, protobuf bool) string {
	if protobuf {
		return string(protoField(body, 2))
	}
	s := scanner{b: body}
	var msg []byte
	_ = s.object(func(key []byte) (err error) {
		if string(key) != "message" {
			return s.skip(0)
		}
		msg, err = s.appendString(nil)
		return err
	})
	return string(msg)
}

// protoField returns the last length-delimited field num of msg, or nil.
func protoField(msg []byte, num protowire.Number) []byte {
	var found []byte
	walk(msg, func(n protowire.Number, typ protowire.Type, v []byte, _ uint64) {
		if n == num && typ == protowire.BytesType {
			found = v
		}
	})
	return found
}

// protoVarint returns the last varint field num of msg, or 0.
func protoVarint(msg []byte, num protowire.Number) uint64 {
	var found uint64
	walk(msg, func(n protowire.Number, typ protowire.Type, _ []byte, v uint64) {
		if n == num && typ == protowire.VarintType {
			found = v
		}
	})
	return found
}

// walk calls fn for each field of msg until the end or a malformed field.
func walk(msg []byte, fn func(protowire.Number, protowire.Type, []byte, uint64)) {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return
		}
		msg = msg[n:]
		var v []byte
		var u uint64
		switch typ {
		case protowire.VarintType:
			u, n = protowire.ConsumeVarint(msg)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(msg)
		default:
			n = protowire.ConsumeFieldValue(num, typ, msg)
		}
		if n < 0 {
			return
		}
		fn(num, typ, v, u)
		msg = msg[n:]
	}
}
