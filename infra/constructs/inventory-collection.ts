import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AgentConfig, EnvironmentConfig } from '../config';
import { renderInventoryScript } from '../document/inventory-script';
import type { AgentBundle } from './agent-bundle';
import { createAgentDocument, documentParameter } from './agent-document';
import { DOCUMENT_PARAMETER_PATTERNS } from './backup-document';

/** The document that writes a server's app inventory. */
export const INVENTORY_DOCUMENT_NAME = 'Backopper-Inventory';

/** Props for {@link InventoryCollection}. */
export interface InventoryCollectionProps {
  readonly bundle: AgentBundle;
  readonly agent: AgentConfig;
  readonly environments: EnvironmentConfig[];
  /** Also create an AWS-GatherSoftwareInventory association (custom inventory only) per environment. @default true */
  readonly gather?: boolean;
}

/**
 * Fleet inventory: each server reports the apps it holds as SSM custom inventory `Custom:BackopperApps`,
 * which the sync reads (GetInventory) to aim each app's backup at its server. Per environment, a State
 * Manager association runs `Backopper-Inventory` daily on the servers with the environment's tag (the
 * agent writes the custom inventory file; every backup run rewrites it too), and an
 * AWS-GatherSoftwareInventory association uploads it. The servers need nothing beyond
 * AmazonSSMManagedInstanceCore: the SSM agent's own credentials report the inventory.
 */
export class InventoryCollection extends Construct {
  readonly document: ssm.CfnDocument;
  readonly associations: ssm.CfnAssociation[] = [];

  constructor(scope: Construct, id: string, props: InventoryCollectionProps) {
    super(scope, id);
    const { document } = createAgentDocument(this, {
      name: INVENTORY_DOCUMENT_NAME,
      description:
        'Backopper: report the apps this server holds (folders with a .env) as SSM custom inventory Custom:BackopperApps.',
      parameters: {
        environment: documentParameter(DOCUMENT_PARAMETER_PATTERNS.environment, 'Environment the servers belong to.', {
          interpolationType: 'ENV_VAR',
        }),
        executionTimeout: documentParameter(
          DOCUMENT_PARAMETER_PATTERNS.executionTimeout,
          'Seconds the listing may run.',
          { default: '300' },
        ),
      },
      bundle: props.bundle,
      renderScript: (bundle) => renderInventoryScript({ ...bundle, agent: props.agent }),
    });
    this.document = document;
    for (const environment of props.environments) {
      const targets = [{ key: `tag:${environment.tagKey}`, values: [environment.tagValue] }];
      const write = new ssm.CfnAssociation(this, `Write-${environment.name}`, {
        associationName: `backopper-inventory-${environment.name}`,
        name: INVENTORY_DOCUMENT_NAME,
        targets,
        parameters: { environment: [environment.name] },
        scheduleExpression: 'rate(1 day)',
        // Every server at once, and one offline server does not stop the others.
        maxConcurrency: '100%',
        maxErrors: '100%',
      });
      write.addDependency(document);
      this.associations.push(write);
      if (props.gather === false) continue;
      this.associations.push(
        new ssm.CfnAssociation(this, `Gather-${environment.name}`, {
          associationName: `backopper-gather-inventory-${environment.name}`,
          name: 'AWS-GatherSoftwareInventory',
          targets,
          // Only the custom inventory: the rest is the fleet owner's choice, not Backopper's.
          parameters: {
            customInventory: ['Enabled'],
            applications: ['Disabled'],
            awsComponents: ['Disabled'],
            networkConfig: ['Disabled'],
            files: [''],
            services: ['Disabled'],
            windowsRoles: ['Disabled'],
            windowsRegistry: [''],
            windowsUpdates: ['Disabled'],
            instanceDetailedInformation: ['Disabled'],
          },
          scheduleExpression: 'rate(12 hours)',
          maxConcurrency: '100%',
          maxErrors: '100%',
        }),
      );
    }
  }
}
