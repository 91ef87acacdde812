package slogaudit

import "github.com/secaudit/auditkit/internal/jsonenc"

// finishLine turns the JSON-lines record in st.line into the configured
// format. It runs after every line is assembled (normal, shrunk or fallback),
// before the size check, so limits apply to the line actually written.
func (st *state) finishLine() {
	if st.c.format == FormatOTLPJSON {
		st.transcodeOTLP()
	}
}

// appendFloat writes a float attribute value. In the OTLP format a float must
// stay recognisable as a double after transcoding, so an integral value gets
// a ".0" (1 → 1.0); NaN and infinities are strings in both formats.
func (st *state) appendFloat(f float64, bitSize int) {
	start := len(st.buf)
	st.buf = jsonenc.AppendFloat(st.buf, f, bitSize)
	if st.c.format != FormatOTLPJSON || st.buf[start] == '"' {
		return
	}
	for _, c := range st.buf[start:] {
		if c == '.' || c == 'e' || c == 'E' {
			return
		}
	}
	st.buf = append(st.buf, '.', '0')
}

// transcodeOTLP rewrites st.line (JSON lines envelope, with its spare
// leading byte) as one OTLP/JSON ExportLogsServiceRequest line.
// TODO(otlp): not implemented yet; the line is left in the JSON lines format.
func (st *state) transcodeOTLP() {}
