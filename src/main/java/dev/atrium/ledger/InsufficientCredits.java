package dev.atrium.ledger;

import dev.atrium.common.ApiException;
import org.springframework.http.HttpStatus;

/** A hold or movement refused because a balance or a limit would be exceeded (HTTP 402). */
public class InsufficientCredits extends ApiException {
    private static final long serialVersionUID = 1L;

    public InsufficientCredits(String detail) {
        super(HttpStatus.PAYMENT_REQUIRED, "insufficient_credits", detail);
    }
}
