/** Shared kernel: ids, problem details, paging, clock and database bootstrap used by every capability. */
@NullMarked
@ApplicationModule(type = ApplicationModule.Type.OPEN)
package dev.atrium.common;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
