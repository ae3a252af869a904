package hstore

// ParseSeeds lets the server tests compare Parse with the server on them.
var ParseSeeds = parseSeeds
