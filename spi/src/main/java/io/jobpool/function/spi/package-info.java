/**
 * The public function SPI: what a plugin implements to become a jobpool function.
 * Depends on nothing but the JDK, so a plugin needs only this package.
 */
package io.jobpool.function.spi;
