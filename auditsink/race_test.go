//go:build race

package auditsink

const raceEnabled = true
