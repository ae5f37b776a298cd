/** The event the failure describer puts on the default bus, and the alert rule matches. */
export const FAILURE_EVENT_SOURCE = 'backopper';
export const FAILURE_DETAIL_TYPE = 'Backup failed';
