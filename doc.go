// Package coft is the domain of card-on-file tokenization consent: merchants,
// customers, orders, saved cards and their network tokens, card eligibility,
// and the consent evidence the RBI requires before a card is tokenized.
//
// It imports only the standard library. Storage, HTTP, the card locker and
// the card networks live in packages of their own and talk to each other in
// the terms defined here.
package coft
