//go:build !race

package slogaudit

const raceEnabled = false
