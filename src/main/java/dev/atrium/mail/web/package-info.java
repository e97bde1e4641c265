/** The organization's email outbox as an API list and a console page (owners and admins). */
@NullMarked
package dev.atrium.mail.web;

import org.jspecify.annotations.NullMarked;
