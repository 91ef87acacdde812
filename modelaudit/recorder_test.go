package modelaudit_test

import "github.com/secaudit/auditkit/internal/recordtest"

// recorder and attrMap are the shared test handler (internal/recordtest).
type recorder = recordtest.Recorder

var attrMap = recordtest.AttrMap
