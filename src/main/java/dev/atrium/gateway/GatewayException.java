package dev.atrium.gateway;

/**
 * A gateway failure answered in OpenAI's error shape:
 * {@code {"error": {"message", "type", "code"}}} with an HTTP status.
 */
public class GatewayException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String type;
    private final String code;

    public GatewayException(int status, String type, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public static GatewayException invalid(String message) {
        return new GatewayException(400, "invalid_request_error", "invalid_request", message);
    }

    public static GatewayException modelNotFound(String model) {
        return new GatewayException(
                404,
                "invalid_request_error",
                "model_not_found",
                "The model '" + model + "' does not exist or you do not have access to it.");
    }

    public static GatewayException modelNotAllowed(String model) {
        return new GatewayException(
                403,
                "permission_error",
                "model_not_allowed",
                "The model '" + model + "' is not allowed in this workspace.");
    }

    public static GatewayException providerNotConfigured(String model, String provider) {
        return new GatewayException(
                400,
                "invalid_request_error",
                "provider_not_configured",
                "The model '" + model + "' cannot run: provider " + provider
                        + " is not configured for this organization (an owner or admin can add its API key).");
    }

    public static GatewayException archived() {
        return new GatewayException(403, "permission_error", "workspace_archived", "The workspace is archived.");
    }

    public static GatewayException insufficientCredits(String message) {
        return new GatewayException(402, "insufficient_quota", "insufficient_credits", message);
    }
}
