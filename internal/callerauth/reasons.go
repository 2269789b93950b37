package callerauth

import "slices"

// Reasons an *InvalidTokenError carries. They are fixed phrases, so they
// can be logged, audited and sent in error_description without leaking
// anything the caller sent (a kid or alg echoed back could carry log
// injection).
const (
	reasonMalformed      = "malformed token"
	reasonTooLarge       = "token too large"
	reasonAlgorithm      = "algorithm not allowed"
	reasonCrit           = "critical header parameters not supported"
	reasonNoKid          = "token has no kid"
	reasonUnknownKid     = "unknown signing key"
	reasonKeyMismatch    = "signing key does not fit the algorithm"
	reasonSignature      = "signature invalid"
	reasonClaims         = "malformed claims"
	reasonNoExp          = "token has no exp"
	reasonExpired        = "token expired"
	reasonNotYetValid    = "token not yet valid"
	reasonIssuedInFuture = "token issued in the future"
	reasonIssuer         = "issuer not accepted"
	reasonAudience       = "audience not accepted"
)

var knownReasons = []string{
	reasonMalformed, reasonTooLarge, reasonAlgorithm, reasonCrit, reasonNoKid,
	reasonUnknownKid, reasonKeyMismatch, reasonSignature, reasonClaims,
	reasonNoExp, reasonExpired, reasonNotYetValid, reasonIssuedInFuture,
	reasonIssuer, reasonAudience,
}

func isKnownReason(r string) bool { return slices.Contains(knownReasons, r) }

func invalid(reason string) *InvalidTokenError { return &InvalidTokenError{Reason: reason} }
