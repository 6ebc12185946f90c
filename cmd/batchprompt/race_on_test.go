//go:build race

package main

// raceDetector is true when the tests run under -race, which makes
// tokenising, JSON and SQLite some twenty times slower: the scale tests
// then run fewer rows (each still sees every kind of messy text hundreds
// of times), and their full size runs without -race.
const raceDetector = true
