package dev.lore.web;

import io.quarkus.qute.TemplateData;

/** Types of other features that the page templates read (Qute generates their value resolvers at build time). */
@TemplateData(target = dev.lore.chat.Citation.class)
@TemplateData(target = dev.lore.retrieval.SearchResult.class)
@TemplateData(target = dev.lore.connector.SourceResource.SourceView.class)
@TemplateData(target = dev.lore.connector.SourceResource.RunView.class)
@TemplateData(target = dev.lore.connector.SourceResource.Progress.class)
@TemplateData(target = dev.lore.connector.SourceResource.RunDocument.class)
@TemplateData(target = dev.lore.connector.DocumentResource.DocumentView.class)
@TemplateData(target = dev.lore.security.AccessList.class)
@TemplateData(target = dev.lore.security.Caller.class)
@TemplateData(target = dev.lore.security.KeycloakDirectory.User.class)
@TemplateData(target = dev.lore.security.KeycloakDirectory.Group.class)
@TemplateData(target = dev.lore.agent.AgentResource.AgentView.class)
@TemplateData(target = dev.lore.agent.AgentResource.ToolView.class)
@TemplateData(target = dev.lore.agent.AuditLog.Event.class)
@TemplateData(target = dev.lore.eval.Gate.Report.class)
final class TemplateTypes {
    private TemplateTypes() {}
}
