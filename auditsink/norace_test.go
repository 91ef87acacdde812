//go:build !race

package auditsink

const raceEnabled = false
