//go:build !race

package auditchain

const raceEnabled = false
