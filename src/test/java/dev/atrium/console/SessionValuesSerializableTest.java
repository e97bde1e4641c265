package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.IntegrationTest;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Console sessions are stored in PostgreSQL, so whatever a page keeps in the session must
 * serialize: a rejected form goes back to its page as a flash attribute (see {@link Forms}), which
 * lives in the session until the next view. Every console form is therefore checked here; a form
 * that is not {@link Serializable} would answer 500 on its first rejected input.
 */
@IntegrationTest
class SessionValuesSerializableTest {
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void everyConsoleFormIsSerializable() {
        List<String> forms = new ArrayList<>();
        List<String> notSerializable = new ArrayList<>();
        mappings.getHandlerMethods().forEach((info, method) -> {
            if (!AnnotatedElementUtils.hasAnnotation(method.getBeanType(), ConsoleController.class)) return;
            for (MethodParameter p : method.getMethodParameters()) {
                if (!p.hasParameterAnnotation(ModelAttribute.class)) continue;
                Class<?> type = p.getParameterType();
                forms.add(type.getName());
                if (!Serializable.class.isAssignableFrom(type)) notSerializable.add(type.getName() + " in " + method);
            }
        });
        assertThat(forms).as("console forms found").hasSizeGreaterThan(3);
        assertThat(notSerializable).isEmpty();
    }
}
