package dev.atrium.common;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Marks a request field that holds a credit amount: it is read only from a JSON string in the
 * {@link AmountFormat} spelling (otherwise 422 naming the field), and the OpenAPI document types it
 * as such a string.
 */
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@JacksonAnnotationsInside
@JsonDeserialize(using = AmountDeserializer.class)
public @interface Amount {}
