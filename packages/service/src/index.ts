/**
 * @fountain/service: the blueprint every domain service follows. A service declares its config, its
 * migrations, its synced tables and its routes; `runService` does the rest (README.md).
 */
export { readServiceSettings, serviceConfig, serviceConfigProperties, type CommonConfig, type ServiceDefaults, type ServiceSettings } from './config.ts';
export { openDatabase } from './database.ts';
export { createServiceApp, type ServiceAppOptions } from './service-app.ts';
export { searchRoute, type SearchRouteOptions } from './search-route.ts';
export { crudRoutes, type ResourceOptions } from './crud.ts';
export { defineService, openService, runService, type OpenService, type OpenServiceOptions, type ServiceContext, type ServiceDefinition } from './run-service.ts';
